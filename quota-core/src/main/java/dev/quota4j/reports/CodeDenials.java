package dev.quota4j.reports;

import dev.quota4j.SubjectKind;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Denials of one code, of every kind of subject or of one.
 *
 * @param code the denial code (such as {@code DAILY_TOKEN_QUOTA_EXCEEDED}); null for denials that
 *     had none or were summarized before codes were kept
 * @param subjectKind the kind of the denied subjects; null when counted over every kind
 * @param denials QUOTA_EXCEEDED events
 */
public record CodeDenials(@Nullable String code, @Nullable SubjectKind subjectKind, long denials)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<CodeDenials> COLUMNS =
      Columns.of(CodeDenials.class)
          .add("code", CodeDenials::code)
          .add("subject_kind", CodeDenials::subjectKind)
          .add("denials", CodeDenials::denials);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<CodeDenials> columns() {
    return COLUMNS;
  }
}
