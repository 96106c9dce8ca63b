package dev.quota4j.reports;

import static dev.quota4j.reports.Figures.ceil;
import static dev.quota4j.reports.Figures.percent;
import static dev.quota4j.reports.Figures.range;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Money;
import dev.quota4j.QuotaManager;
import dev.quota4j.SubjectKind;
import dev.quota4j.Window;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.QuotaStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The whole system's load per hour against its hourly limit; see {@link
 * UsageReports#systemHourlyLoad}.
 */
final class LoadReports {
  private final QuotaManager manager;
  private final QuotaStore store;

  LoadReports(QuotaManager manager, QuotaStore store) {
    this.manager = manager;
    this.store = store;
  }

  List<HourLoad> systemHourlyLoad(Instant from, Instant to) {
    range(from, to);
    Instant first = from.truncatedTo(ChronoUnit.HOURS);
    Instant end = ceil(to, ChronoUnit.HOURS);
    long hours = Duration.between(first, end).toHours();
    Checks.argument(
        hours <= UsageReports.MAX_BUCKETS,
        "to",
        "must be at most " + UsageReports.MAX_BUCKETS + " hours after from",
        to);
    Limit limit = systemHourlyLimit();
    Map<Instant, AggregateRow> byHour = new HashMap<>();
    for (AggregateRow r : store.aggregate(AggregateQuery.between(first, end).bucket(Bucket.HOUR))) {
      byHour.merge(Checks.notNull("bucketStart", r.bucketStart()), r, AggregateRow::plus);
    }
    List<HourLoad> out = new ArrayList<>();
    for (Instant h = first; h.isBefore(end); h = h.plus(1, ChronoUnit.HOURS)) {
      AggregateRow r = byHour.get(h);
      long calls = r == null ? 0 : r.calls();
      long tokens = r == null ? 0 : r.totalTokens();
      long cost = r == null ? 0 : r.costMicros();
      BigDecimal percent = null;
      if (limit != null) {
        long used = r == null ? 0 : amountOf(limit.metric(), r);
        percent = percent(used, limit.amount(), 1);
      }
      out.add(
          new HourLoad(
              h,
              calls,
              r == null ? 0 : r.denials(),
              tokens,
              Money.fromMicros(cost),
              limit == null ? null : limit.name(),
              limit == null ? null : limit.metric(),
              limit == null ? 0 : limit.amount(),
              percent));
    }
    return out;
  }

  private @Nullable Limit systemHourlyLimit() {
    Limit found = null;
    for (Limit l : manager.policy().limits()) {
      if (l.appliesTo() == SubjectKind.SYSTEM && l.window() == Window.HOUR) {
        if (l.metric() == Metric.TOKENS) {
          return l;
        }
        if (found == null) {
          found = l;
        }
      }
    }
    return found;
  }

  private static long amountOf(Metric m, AggregateRow r) {
    return switch (m) {
      case TOKENS -> r.totalTokens();
      case INPUT_TOKENS -> r.inputTokens();
      case OUTPUT_TOKENS -> r.outputTokens();
      case REQUESTS -> r.calls();
      case CHARACTERS -> r.characters();
      case COST -> r.costMicros();
    };
  }
}
