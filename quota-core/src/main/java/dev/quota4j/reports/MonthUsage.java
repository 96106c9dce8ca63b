package dev.quota4j.reports;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;

/**
 * Usage in one UTC calendar month.
 *
 * @param month the month
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param cost the priced cost
 */
public record MonthUsage(
    YearMonth month,
    long calls,
    long errors,
    long denials,
    long inputTokens,
    long outputTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<MonthUsage> COLUMNS =
      Columns.of(MonthUsage.class)
          .add("month", MonthUsage::month)
          .add("calls", MonthUsage::calls)
          .add("errors", MonthUsage::errors)
          .add("denials", MonthUsage::denials)
          .add("input_tokens", MonthUsage::inputTokens)
          .add("output_tokens", MonthUsage::outputTokens)
          .add("total_tokens", MonthUsage::totalTokens)
          .add("cost", MonthUsage::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  /** Input plus output tokens. */
  public long totalTokens() {
    return inputTokens + outputTokens;
  }

  @Override
  public Columns<MonthUsage> columns() {
    return COLUMNS;
  }
}
