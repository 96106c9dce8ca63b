package dev.quota4j.reports;

import java.util.List;

/**
 * A row of a report that can be written as CSV with {@link Csv}. Its type declares its {@link
 * Columns} once; the header and the values come from them. Values are plain text: instants and
 * dates in ISO-8601, money as a plain decimal, a missing value as an empty field (ids are never
 * blank, so an empty field always means "none").
 */
public interface ReportRow {
  /** The columns of this row's type, the same for every row of a type. */
  Columns<?> columns();

  /** The column names, the same for every row of a type. */
  default List<String> csvHeader() {
    return columns().names();
  }

  /** This row's values, one per column. */
  default List<String> csvValues() {
    return columns().valuesOf(this);
  }
}
