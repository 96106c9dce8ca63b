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
  /**
   * Open workflows: a limit on the subject that opens them, or on SYSTEM, counts the workflows open
   * at once ({@link QuotaManager#openWorkflow}); a limit on WORKFLOW counts the steps of one
   * workflow. Calls in flight are {@link #IN_FLIGHT}.
   */
  CONCURRENT,
  /**
   * Calls in flight (LiteLLM's {@code max_parallel_requests}): a {@link Metric#REQUESTS} limit that
   * counts each reservation from {@code reserve} until its commit, fail or close, or until its
   * lease ends; it never resets. See {@link Limit#inFlight}.
   */
  IN_FLIGHT;

  /** Whether counters of this window live in the store. */
  public boolean isStored() {
    return this != PER_REQUEST;
  }

  /** Whether this window is aligned to the calendar. */
  public boolean isCalendar() {
    return this == HOUR || this == DAY || this == WEEK || this == MONTH;
  }
}
