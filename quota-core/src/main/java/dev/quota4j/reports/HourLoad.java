package dev.quota4j.reports;

import dev.quota4j.Metric;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The whole system's load in one UTC hour.
 *
 * @param hour the start of the hour
 * @param calls SUCCESS and ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param cost the priced cost
 * @param limitName the system's hourly limit; null when the policy has none
 * @param metric the limit's metric; null when there is no limit
 * @param limit the limit's amount; 0 when there is none
 * @param capacityPercent the limit's metric used, as a percentage of the limit; null when none
 */
public record HourLoad(
    Instant hour,
    long calls,
    long denials,
    long totalTokens,
    BigDecimal cost,
    @Nullable String limitName,
    @Nullable Metric metric,
    long limit,
    @Nullable BigDecimal capacityPercent)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<HourLoad> COLUMNS =
      Columns.of(HourLoad.class)
          .add("hour", HourLoad::hour)
          .add("calls", HourLoad::calls)
          .add("denials", HourLoad::denials)
          .add("total_tokens", HourLoad::totalTokens)
          .add("cost", HourLoad::cost)
          .add("limit_name", HourLoad::limitName)
          .add("metric", HourLoad::metric)
          .add("limit", HourLoad::limit)
          .add("capacity_percent", HourLoad::capacityPercent);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<HourLoad> columns() {
    return COLUMNS;
  }
}
