package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import java.math.BigDecimal;
import java.util.List;

/**
 * One subject's totals over a range, as a top list ranks them.
 *
 * @param subject the primary subject
 * @param calls SUCCESS and ERROR events (requests)
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param cost the priced cost
 */
public record SubjectTotals(
    SubjectRef subject, long calls, long errors, long denials, long totalTokens, BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<SubjectTotals> COLUMNS =
      Columns.of(SubjectTotals.class)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("calls", SubjectTotals::calls)
          .add("errors", SubjectTotals::errors)
          .add("denials", SubjectTotals::denials)
          .add("total_tokens", SubjectTotals::totalTokens)
          .add("cost", SubjectTotals::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<SubjectTotals> columns() {
    return COLUMNS;
  }
}
