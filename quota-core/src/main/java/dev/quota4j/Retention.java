package dev.quota4j;

import dev.quota4j.internal.Checks;
import dev.quota4j.spi.QuotaStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store small (seed 000's 90-day cleanup, seed 002's retention with kept summaries):
 * rolls ledger events older than {@link RetentionPolicy#eventAge()} into daily summaries and
 * deletes them, and deletes counters whose window ended long ago.
 *
 * <pre>{@code
 * Retention retention = Retention.of(quotas, RetentionPolicy.defaults());
 * ScheduledFuture<?> job = retention.schedule(executor, Duration.ofHours(1));  // the caller's executor
 * ...
 * job.cancel(false);                                                        // or shut the executor down
 * }</pre>
 *
 * <p>Each batch is one short transaction of at most {@link RetentionPolicy#batchSize()} rows, so
 * admission never waits long behind it; several instances may run it at once (the store hands each
 * event to one of them). The event cutoff is the start of the UTC day {@code eventAge} ago, so that
 * a day is either all in the ledger or all in the summaries. Reports read both.
 *
 * <p>Thread-safe.
 */
public final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final QuotaStore store;
  private final RetentionPolicy policy;
  private final Clock clock;

  private Retention(QuotaStore store, RetentionPolicy policy, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.clock = clock;
  }

  /** Retention of the manager's store, on its clock. */
  public static Retention of(QuotaManager manager, RetentionPolicy policy) {
    return of(Checks.notNull("manager", manager).store(), policy, manager.clock());
  }

  /** Retention of a store, on a clock. */
  public static Retention of(QuotaStore store, RetentionPolicy policy, Clock clock) {
    return new Retention(
        Checks.notNull("store", store),
        Checks.notNull("policy", policy),
        Checks.notNull("clock", clock));
  }

  /** The policy. */
  public RetentionPolicy policy() {
    return policy;
  }

  /**
   * What one run did.
   *
   * @param eventCutoff events before this instant were purged
   * @param counterCutoff counters whose window ended before this instant were purged
   * @param eventsPurged how many events were rolled up and deleted
   * @param countersPurged how many counters were deleted
   * @param batches how many transactions it took
   * @param complete false when the run stopped at {@link RetentionPolicy#maxBatchesPerRun()} with
   *     more to do
   */
  public record Result(
      Instant eventCutoff,
      Instant counterCutoff,
      long eventsPurged,
      long countersPurged,
      int batches,
      boolean complete) {}

  /** The instant before which events are purged now. */
  public Instant eventCutoff() {
    return clock.instant().minus(policy.eventAge()).truncatedTo(ChronoUnit.DAYS);
  }

  /** Runs retention once, in batches, until nothing old is left or the batch budget is spent. */
  public Result runOnce() {
    Instant eventCutoff = eventCutoff();
    Instant counterCutoff = clock.instant().minus(policy.counterAge());
    int size = policy.batchSize();
    long events = 0;
    long counters = 0;
    int batches = 0;
    boolean complete = true;
    for (int i = 0; ; i++) {
      if (i == policy.maxBatchesPerRun()) {
        complete = false;
        break;
      }
      int n = store.purgeEvents(eventCutoff, size);
      batches++;
      events += n;
      if (n < size) {
        break;
      }
    }
    for (int i = 0; ; i++) {
      if (i == policy.maxBatchesPerRun()) {
        complete = false;
        break;
      }
      int n = store.purgeCounters(counterCutoff, size);
      batches++;
      counters += n;
      if (n < size) {
        break;
      }
    }
    return new Result(eventCutoff, counterCutoff, events, counters, batches, complete);
  }

  /**
   * Runs {@link #runOnce()} on the caller's executor, first after {@code period} and then {@code
   * period} after each run ends. A failed run is logged and the next one goes on. Stop it by
   * cancelling the returned future or shutting the executor down; this class starts no thread.
   */
  public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Duration period) {
    Checks.notNull("executor", executor);
    Checks.argument(
        period.compareTo(Duration.ofSeconds(1)) >= 0, "period", "must be a second or more", period);
    long ms = period.toMillis();
    return executor.scheduleWithFixedDelay(this::runLogged, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void runLogged() {
    try {
      Result r = runOnce();
      LOG.info(
          "quota4j retention: {} events before {} summarized and purged, {} counters purged{}",
          r.eventsPurged(),
          r.eventCutoff(),
          r.countersPurged(),
          r.complete() ? "" : "; more left for the next run");
    } catch (RuntimeException e) {
      LOG.warn("quota4j retention run failed; the next run tries again", e);
    }
  }
}
