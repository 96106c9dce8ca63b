package dev.quota4j.reports;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * Usage on one UTC day.
 *
 * @param day the day
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param cost the priced cost
 */
public record DayUsage(
    LocalDate day, long calls, long errors, long denials, long totalTokens, BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<DayUsage> COLUMNS =
      Columns.of(DayUsage.class)
          .add("day", DayUsage::day)
          .add("calls", DayUsage::calls)
          .add("errors", DayUsage::errors)
          .add("denials", DayUsage::denials)
          .add("total_tokens", DayUsage::totalTokens)
          .add("cost", DayUsage::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<DayUsage> columns() {
    return COLUMNS;
  }
}
