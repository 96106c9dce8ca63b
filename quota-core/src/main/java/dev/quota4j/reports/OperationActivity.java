package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One subject's activity in one operation.
 *
 * @param subject the primary subject
 * @param operation the operation; null when the events named none
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param averageTokens tokens per call
 * @param cost the priced cost
 */
public record OperationActivity(
    SubjectRef subject,
    @Nullable String operation,
    long calls,
    long errors,
    long denials,
    long totalTokens,
    BigDecimal averageTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<OperationActivity> COLUMNS =
      Columns.of(OperationActivity.class)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("operation", OperationActivity::operation)
          .add("calls", OperationActivity::calls)
          .add("errors", OperationActivity::errors)
          .add("denials", OperationActivity::denials)
          .add("total_tokens", OperationActivity::totalTokens)
          .add("average_tokens", OperationActivity::averageTokens)
          .add("cost", OperationActivity::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<OperationActivity> columns() {
    return COLUMNS;
  }
}
