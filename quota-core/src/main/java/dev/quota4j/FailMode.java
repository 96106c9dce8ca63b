package dev.quota4j;

/** What admission does when the store cannot be reached. */
public enum FailMode {
  /** Throw {@link QuotaStoreUnavailableException}; admit nothing. The default. */
  FAIL_CLOSED,
  /**
   * Admit, tell listeners, and keep the usage to hand to the store once it is back, so that nothing
   * is lost and nothing is counted twice.
   */
  FAIL_OPEN
}
