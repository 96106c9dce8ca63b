package dev.quota4j;

import dev.quota4j.internal.Checks;
import java.time.Duration;

/**
 * How long usage data is kept in detail, and how retention works through it.
 *
 * @param eventAge ledger events older than this (counted back from now, down to the start of that
 *     UTC day) are rolled into daily summaries and deleted; default 90 days
 * @param counterAge counters whose window ended longer ago than this are deleted; default 7 days
 * @param batchSize events (compacted or purged) or counters per transaction; default 1,000
 * @param maxBatchesPerRun the most batches of each kind one run takes, so a run after a long pause
 *     ends and the next run goes on; default 10,000
 */
public record RetentionPolicy(
    Duration eventAge, Duration counterAge, int batchSize, int maxBatchesPerRun) {

  /** The default event age: 90 days. */
  public static final Duration DEFAULT_EVENT_AGE = Duration.ofDays(90);

  /** The default counter age: 7 days. */
  public static final Duration DEFAULT_COUNTER_AGE = Duration.ofDays(7);

  /** The default batch size. */
  public static final int DEFAULT_BATCH_SIZE = 1_000;

  /** The default number of batches per run. */
  public static final int DEFAULT_MAX_BATCHES = 10_000;

  /** Validates every field; the message names the field and the value. */
  public RetentionPolicy {
    Checks.argument(
        eventAge.compareTo(Duration.ofDays(1)) >= 0, "eventAge", "must be a day or more", eventAge);
    Checks.argument(
        counterAge.compareTo(Duration.ofHours(1)) >= 0,
        "counterAge",
        "must be an hour or more",
        counterAge);
    Checks.argument(
        batchSize >= 1 && batchSize <= 10_000, "batchSize", "must be 1 to 10000", batchSize);
    Checks.positive("maxBatchesPerRun", maxBatchesPerRun);
  }

  /** Every default: 90 days of events, 7 days of ended counters, batches of 1,000. */
  public static RetentionPolicy defaults() {
    return new RetentionPolicy(
        DEFAULT_EVENT_AGE, DEFAULT_COUNTER_AGE, DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCHES);
  }

  /** The same policy with another event age. */
  public RetentionPolicy withEventAge(Duration value) {
    return new RetentionPolicy(value, counterAge, batchSize, maxBatchesPerRun);
  }

  /** The same policy with another counter age. */
  public RetentionPolicy withCounterAge(Duration value) {
    return new RetentionPolicy(eventAge, value, batchSize, maxBatchesPerRun);
  }

  /** The same policy with another batch size. */
  public RetentionPolicy withBatchSize(int value) {
    return new RetentionPolicy(eventAge, counterAge, value, maxBatchesPerRun);
  }

  /** The same policy with another number of batches per run. */
  public RetentionPolicy withMaxBatchesPerRun(int value) {
    return new RetentionPolicy(eventAge, counterAge, batchSize, value);
  }
}
