package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A trend; see {@link UsageReports#trend} for the rule.
 *
 * @param subject the subject; null for everyone
 * @param days the number of complete days
 * @param totalTokens tokens over the days
 * @param dailyAverageTokens tokens per day
 * @param earlierHalfTokens tokens of the earlier half
 * @param laterHalfTokens tokens of the later half
 * @param direction the direction
 * @param history the days, oldest first
 */
public record Trend(
    @Nullable SubjectRef subject,
    int days,
    long totalTokens,
    BigDecimal dailyAverageTokens,
    long earlierHalfTokens,
    long laterHalfTokens,
    TrendDirection direction,
    List<DayUsage> history)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<Trend> COLUMNS =
      Columns.of(Trend.class)
          .add("subject_kind", r -> r.subject() == null ? null : r.subject().kind())
          .add("subject_id", r -> r.subject() == null ? null : r.subject().id())
          .add("days", Trend::days)
          .add("total_tokens", Trend::totalTokens)
          .add("daily_average_tokens", Trend::dailyAverageTokens)
          .add("earlier_half_tokens", Trend::earlierHalfTokens)
          .add("later_half_tokens", Trend::laterHalfTokens)
          .add("direction", Trend::direction);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  /** Copies the history. */
  public Trend {
    history = List.copyOf(history);
  }

  @Override
  public Columns<Trend> columns() {
    return COLUMNS;
  }
}
