package dev.quota4j.memory;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rows of one {@link AggregateQuery} as they are summed: events of the ledger and daily
 * summaries go in one at a time, each to the row of its group. Not thread-safe.
 */
final class Aggregation {
  private final AggregateQuery query;
  private final Map<List<@Nullable Object>, AggregateRow> rows = new HashMap<>();

  Aggregation(AggregateQuery query) {
    this.query = query;
  }

  /**
   * Adds {@code events} events at {@code time} (the start of a UTC day when {@code isDay}) with
   * their {@code sums} (input, output, cached, characters, cost) to the row of their group.
   */
  @SuppressWarnings("TooManyParameters") // one per part of a row
  void add(
      Instant time,
      boolean isDay,
      SubjectRef subject,
      EventStatus status,
      @Nullable String[] dims,
      long events,
      long[] sums) {
    boolean usage = status == EventStatus.SUCCESS || status == EventStatus.ERROR;
    Set<Dimension> g = query.groupBy();
    AggregateRow row =
        new AggregateRow(
            bucket(query.bucket(), time, isDay),
            g.contains(Dimension.SUBJECT) ? subject : null,
            g.contains(Dimension.OPERATION) ? dims[Dimension.OPERATION.ordinal()] : null,
            g.contains(Dimension.PROVIDER) ? dims[Dimension.PROVIDER.ordinal()] : null,
            g.contains(Dimension.MODEL) ? dims[Dimension.MODEL.ordinal()] : null,
            g.contains(Dimension.AGENT) ? dims[Dimension.AGENT.ordinal()] : null,
            g.contains(Dimension.TOOL) ? dims[Dimension.TOOL.ordinal()] : null,
            g.contains(Dimension.PROVIDER_KEY) ? dims[Dimension.PROVIDER_KEY.ordinal()] : null,
            g.contains(Dimension.STATUS) ? status : null,
            g.contains(Dimension.WORKFLOW) ? dims[Dimension.WORKFLOW.ordinal()] : null,
            usage ? events : 0,
            status == EventStatus.ERROR ? events : 0,
            status == EventStatus.QUOTA_EXCEEDED ? events : 0,
            usage ? sums[0] : 0,
            usage ? sums[1] : 0,
            usage ? sums[2] : 0,
            usage ? sums[3] : 0,
            usage ? sums[4] : 0);
    rows.merge(row.key(), row, AggregateRow::plus);
  }

  List<AggregateRow> rows() {
    return new ArrayList<>(rows.values());
  }

  /** The start of {@code t}'s bucket; a day start stands for itself in an hourly bucket. */
  private static @Nullable Instant bucket(Bucket b, Instant t, boolean isDay) {
    return switch (b) {
      case NONE -> null;
      case HOUR -> isDay ? t : t.truncatedTo(ChronoUnit.HOURS);
      case DAY -> t.truncatedTo(ChronoUnit.DAYS);
    };
  }
}
