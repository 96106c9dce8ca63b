package dev.quota4j;

/**
 * The period a limit counts over. Calendar windows are aligned in the limit's zone; a new window is
 * a new counter, so there is no reset job.
 */
public enum Window {
  /** From the start of the hour. */
  HOUR,
  /** From local midnight. A DST day lasts 23 or 25 hours. */
  DAY,
  /** From Monday, local midnight. */
  WEEK,
  /** From the first of the month, local midnight. */
  MONTH,
  /** A cap on one call, checked without the store. */
  PER_REQUEST,
  /** An in-flight count, such as concurrent workflows; released when the holder closes. */
  CONCURRENT;

  /** Whether counters of this window live in the store. */
  public boolean isStored() {
    return this != PER_REQUEST;
  }

  /** Whether this window is aligned to the calendar. */
  public boolean isCalendar() {
    return this == HOUR || this == DAY || this == WEEK || this == MONTH;
  }
}
