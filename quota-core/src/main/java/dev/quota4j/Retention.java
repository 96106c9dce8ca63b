package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.QuotaStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps reports fast and the store small (a 90-day cleanup, say, that keeps daily summaries). A run
 * does three things, in this order, each in batches:
 *
 * <ol>
 *   <li><b>compacts</b>: adds the ledger events that are in no rollup yet to the store's rollups
 *       ({@link QuotaStore#compactEvents}). Reports read the rollups plus the events not rolled up
 *       yet, so this changes no figure, only how much a report reads;
 *   <li><b>purges events</b> older than {@link RetentionPolicy#eventAge()}: rolls them into daily
 *       summaries and deletes them ({@link QuotaStore#purgeEvents}); the rollups keep them;
 *   <li><b>purges counters</b> whose window ended long ago.
 * </ol>
 *
 * <pre>{@code
 * Retention retention = Retention.of(quotas, RetentionPolicy.defaults());
 * ScheduledFuture<?> compact = retention.scheduleCompaction(executor, Duration.ofMinutes(1));
 * ScheduledFuture<?> sweep = retention.scheduleReclaim(executor, Duration.ofMinutes(1));
 * ScheduledFuture<?> job = retention.schedule(executor, Duration.ofHours(1));  // the caller's executor
 * ...
 * job.cancel(false);                                                        // or shut the executor down
 * }</pre>
 *
 * <p>Compaction is worth running much more often than purging: until it runs, reports aggregate the
 * new events themselves. Each batch is one short transaction of at most {@link
 * RetentionPolicy#batchSize()} rows, so admission never waits long behind it; several instances may
 * run either at once (the store hands each event to one of them). The event cutoff is the start of
 * the UTC day {@code eventAge} ago, so that a day is either all in the ledger or all in the
 * summaries. Reports read all of them.
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
   * @param eventsCompacted how many events were added to the rollups
   * @param eventsPurged how many events were summarized and deleted
   * @param countersPurged how many counters were deleted
   * @param batches how many transactions it took
   * @param complete false when the run stopped at {@link RetentionPolicy#maxBatchesPerRun()} with
   *     more to do
   */
  public record Result(
      Instant eventCutoff,
      Instant counterCutoff,
      long eventsCompacted,
      long eventsPurged,
      long countersPurged,
      int batches,
      boolean complete) {}

  /** The instant before which events are purged now. */
  public Instant eventCutoff() {
    return clock.instant().minus(policy.eventAge()).truncatedTo(ChronoUnit.DAYS);
  }

  /**
   * Runs retention once, in batches: compaction, then events, then counters, each until nothing is
   * left or the batch budget is spent.
   */
  public Result runOnce() {
    Instant eventCutoff = eventCutoff();
    Instant counterCutoff = clock.instant().minus(policy.counterAge());
    int size = policy.batchSize();
    long[] compacted = batches(() -> store.compactEvents(size));
    long[] events = batches(() -> store.purgeEvents(eventCutoff, size));
    long[] counters = batches(() -> store.purgeCounters(counterCutoff, size));
    return new Result(
        eventCutoff,
        counterCutoff,
        compacted[0],
        events[0],
        counters[0],
        (int) (compacted[1] + events[1] + counters[1]),
        compacted[2] + events[2] + counters[2] == 0);
  }

  /**
   * Runs compaction alone, in batches, until no event is waiting or the batch budget is spent.
   *
   * @return how many events were added to the rollups
   */
  @CanIgnoreReturnValue
  public long compactOnce() {
    int size = policy.batchSize();
    return batches(() -> store.compactEvents(size))[0];
  }

  /** Runs {@code batch} until it returns less than a batch; total, batches, 1 if cut short. */
  private long[] batches(IntSupplier batch) {
    long total = 0;
    int size = policy.batchSize();
    for (int i = 0; i < policy.maxBatchesPerRun(); i++) {
      int n = batch.getAsInt();
      total += n;
      if (n < size) {
        return new long[] {total, i + 1L, 0};
      }
    }
    return new long[] {total, policy.maxBatchesPerRun(), 1};
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

  /**
   * Runs {@link #compactOnce()} on the caller's executor, first after {@code period} and then
   * {@code period} after each run ends; a failed run is logged and the next one goes on. Meant to
   * run more often than {@link #schedule} (every minute, say), since reports read the events
   * compaction has not reached yet one by one. Stop it by cancelling the returned future.
   */
  public ScheduledFuture<?> scheduleCompaction(ScheduledExecutorService executor, Duration period) {
    Checks.notNull("executor", executor);
    Checks.argument(
        period.compareTo(Duration.ofSeconds(1)) >= 0, "period", "must be a second or more", period);
    long ms = period.toMillis();
    return executor.scheduleWithFixedDelay(this::compactLogged, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Releases the reservations whose lease has ended ({@link QuotaStore#reclaimExpired}), on this
   * retention's clock, and returns how many. Capacity does not wait for it: every read that answers
   * how much is left, and every reservation that would not fit, reclaims the ended holds it meets.
   * It keeps counters of quiet subjects and the ledger's {@code EXPIRED} events current.
   */
  @CanIgnoreReturnValue
  public int reclaimOnce() {
    return store.reclaimExpired(clock.instant());
  }

  /**
   * Runs {@link #reclaimOnce()} on the caller's executor, first after {@code period} and then
   * {@code period} after each run ends (every minute, say); a failed run is logged and the next one
   * goes on. Stop it by cancelling the returned future.
   */
  public ScheduledFuture<?> scheduleReclaim(ScheduledExecutorService executor, Duration period) {
    Checks.notNull("executor", executor);
    Checks.argument(
        period.compareTo(Duration.ofSeconds(1)) >= 0, "period", "must be a second or more", period);
    long ms = period.toMillis();
    return executor.scheduleWithFixedDelay(this::reclaimLogged, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void reclaimLogged() {
    try {
      int n = reclaimOnce();
      LOG.debug("quota4j lease sweep: {} reservations whose lease ended released", n);
    } catch (RuntimeException e) {
      LOG.warn("quota4j lease sweep failed; the next run tries again", e);
    }
  }

  private void compactLogged() {
    try {
      long n = compactOnce();
      LOG.debug("quota4j compaction: {} events added to the rollups", n);
    } catch (RuntimeException e) {
      LOG.warn("quota4j compaction run failed; the next run tries again", e);
    }
  }

  private void runLogged() {
    try {
      Result r = runOnce();
      LOG.info(
          "quota4j retention: {} events compacted, {} events before {} summarized and purged,"
              + " {} counters purged{}",
          r.eventsCompacted(),
          r.eventsPurged(),
          r.eventCutoff(),
          r.countersPurged(),
          r.complete() ? "" : "; more left for the next run");
    } catch (RuntimeException e) {
      LOG.warn("quota4j retention run failed; the next run tries again", e);
    }
  }
}
