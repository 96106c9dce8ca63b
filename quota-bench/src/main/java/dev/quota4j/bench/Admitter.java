package dev.quota4j.bench;

/** One library doing the admission of {@link Workload}. Thread-safe. */
public interface Admitter {
  /** The three limits of the workload. */
  enum Counter {
    USER_TOKENS,
    USER_REQUESTS,
    SYSTEM_TOKENS
  }

  /** "quota4j" (or "quota4j-counters", the counters-only store) or "bucket4j". */
  String name();

  /**
   * Admits one call of {@code userId} and, when admitted, reconciles it to the actual usage.
   *
   * @return whether the call was admitted
   */
  boolean admit(String userId);

  /**
   * What the counter holds now, after every admission ended: tokens or requests consumed in the
   * current window ({@code userId} is ignored for {@link Counter#SYSTEM_TOKENS}).
   */
  long consumed(Counter counter, String userId);
}
