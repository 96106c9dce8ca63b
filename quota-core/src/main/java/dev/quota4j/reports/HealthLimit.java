package dev.quota4j.reports;

import dev.quota4j.Metric;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageLevel;
import dev.quota4j.Window;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One limit in a {@link HealthSummary}.
 *
 * @param subject who is charged
 * @param limitName the limit
 * @param metric its metric (cost in micro-units)
 * @param window its window
 * @param used used in the current window
 * @param reserved held by open reservations
 * @param limit the limit in force
 * @param remaining what is left
 * @param percent used plus reserved, as a percentage of the limit, one decimal place
 * @param level how close it is to being used up
 * @param resetsAt when the window resets; null when it does not
 */
public record HealthLimit(
    SubjectRef subject,
    String limitName,
    Metric metric,
    Window window,
    long used,
    long reserved,
    long limit,
    long remaining,
    BigDecimal percent,
    UsageLevel level,
    @Nullable Instant resetsAt)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<HealthLimit> COLUMNS =
      Columns.of(HealthLimit.class)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("limit_name", HealthLimit::limitName)
          .add("metric", HealthLimit::metric)
          .add("window", HealthLimit::window)
          .add("used", HealthLimit::used)
          .add("reserved", HealthLimit::reserved)
          .add("limit", HealthLimit::limit)
          .add("remaining", HealthLimit::remaining)
          .add("percent", HealthLimit::percent)
          .add("level", HealthLimit::level)
          .add("resets_at", HealthLimit::resetsAt);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<HealthLimit> columns() {
    return COLUMNS;
  }
}
