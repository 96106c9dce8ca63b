package dev.quota4j.reports;

import java.util.List;

/**
 * A row of a report that can be written as CSV with {@link Csv}. Values are plain text: instants
 * and dates in ISO-8601, money as a plain decimal, a missing value as an empty field (ids are never
 * blank, so an empty field always means "none").
 */
public interface ReportRow {
  /** The column names, the same for every row of a type. */
  List<String> csvHeader();

  /** This row's values, one per column. */
  List<String> csvValues();
}
