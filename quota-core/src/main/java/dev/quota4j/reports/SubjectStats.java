package dev.quota4j.reports;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One subject's activity: the per-user summary an admin page shows.
 *
 * @param subject the primary subject
 * @param workflows the distinct workflows of its events in the range (of those the ledger still
 *     holds: see {@link UsageReports#subjectStats(SubjectKind, Instant, Instant)})
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param averageTokens tokens per call
 * @param cost the priced cost
 */
public record SubjectStats(
    SubjectRef subject,
    long workflows,
    long calls,
    long errors,
    long denials,
    long totalTokens,
    BigDecimal averageTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<SubjectStats> COLUMNS =
      Columns.of(SubjectStats.class)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("workflows", SubjectStats::workflows)
          .add("calls", SubjectStats::calls)
          .add("errors", SubjectStats::errors)
          .add("denials", SubjectStats::denials)
          .add("total_tokens", SubjectStats::totalTokens)
          .add("average_tokens", SubjectStats::averageTokens)
          .add("cost", SubjectStats::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<SubjectStats> columns() {
    return COLUMNS;
  }
}
