package dev.quota4j.spi;

import java.util.Map;

/**
 * What a commit or a record did.
 *
 * @param status what happened
 * @param usedAfter each charged counter's {@code used} right after this change; empty when nothing
 *     changed
 */
public record CommitResult(Status status, Map<CounterKey, Long> usedAfter) {

  /** What happened. */
  public enum Status {
    /** Applied now. */
    APPLIED,
    /** Already applied earlier (same reservation or event id); nothing changed. */
    ALREADY_APPLIED,
    /**
     * The reservation was gone (its lease expired and it was reclaimed): the usage was added as
     * unreserved usage, once.
     */
    APPLIED_LATE
  }

  /** Copies the map. */
  public CommitResult {
    usedAfter = Map.copyOf(usedAfter);
  }

  /** Nothing changed because it was done before. */
  public static CommitResult alreadyApplied() {
    return new CommitResult(Status.ALREADY_APPLIED, Map.of());
  }
}
