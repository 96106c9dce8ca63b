package dev.quota4j.reports;

/** Which way usage is heading; see {@link UsageReports#trend}. */
public enum TrendDirection {
  /** The later half used more than 10 % more. */
  INCREASING,
  /** The later half used more than 10 % less. */
  DECREASING,
  /** Neither. */
  STABLE
}
