package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * Usage of one subject on one UTC day.
 *
 * @param subject the primary subject
 * @param day the UTC day
 * @param calls SUCCESS and ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param totalTokens input plus output tokens
 * @param cost the priced cost
 */
public record SubjectDay(
    SubjectRef subject,
    LocalDate day,
    long calls,
    long denials,
    long inputTokens,
    long outputTokens,
    long totalTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<SubjectDay> COLUMNS =
      Columns.of(SubjectDay.class)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("day", SubjectDay::day)
          .add("calls", SubjectDay::calls)
          .add("denials", SubjectDay::denials)
          .add("input_tokens", SubjectDay::inputTokens)
          .add("output_tokens", SubjectDay::outputTokens)
          .add("total_tokens", SubjectDay::totalTokens)
          .add("cost", SubjectDay::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<SubjectDay> columns() {
    return COLUMNS;
  }
}
