package dev.quota4j;

import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's only door to the {@link QuotaStore} where the fail mode matters: it remembers
 * whether the store answered, does without it for {@link QuotaManager.Builder#storeRetryInterval}
 * after it failed (in {@link FailMode#FAIL_OPEN}), and decides in one place what an unreachable
 * store means ({@link #failOpenOrThrow}).
 */
final class StoreGate {
  private static final long ASK = Long.MIN_VALUE;

  private final QuotaStore store;
  private final FailMode failMode;
  private final Duration storeRetryInterval;

  /** In FAIL_OPEN, until when (epoch ms) admissions do without the store; {@link #ASK}: ask it. */
  private final AtomicLong skipStoreUntil = new AtomicLong(ASK);

  StoreGate(Engine engine) {
    this.store = engine.store();
    this.failMode = engine.failMode();
    this.storeRetryInterval = engine.storeRetryInterval();
  }

  QuotaStore store() {
    return store;
  }

  /**
   * What an unreachable store means, decided here only: in {@link FailMode#FAIL_CLOSED} the failure
   * is the caller's ({@code e} is thrown); in {@link FailMode#FAIL_OPEN} this returns and the
   * caller goes on without the store.
   */
  void failOpenOrThrow(QuotaStoreUnavailableException e) {
    if (failMode == FailMode.FAIL_CLOSED) {
      throw e;
    }
  }

  /** Reserves in the store (no lambda: this is the admission path). */
  ReserveResult reserve(String id, List<Charge> charges, Instant now, Instant leaseUntil) {
    before(now);
    ReserveResult result;
    try {
      result = store.reserve(id, charges, now, leaseUntil);
    } catch (QuotaStoreUnavailableException e) {
      down(now);
      throw e;
    }
    up();
    return result;
  }

  /** Commits a reservation in the store (no lambda: this is the commit path). */
  CommitResult commit(String id, List<Charge> charges, UsageEvent event, Instant now) {
    before(now);
    CommitResult result;
    try {
      result = store.commit(id, charges, event);
    } catch (QuotaStoreUnavailableException e) {
      down(now);
      throw e;
    }
    up();
    return result;
  }

  /**
   * Whether to do without the store now: only in {@link FailMode#FAIL_OPEN}, during {@link
   * QuotaManager.Builder#storeRetryInterval} after a store call failed. When the interval is over,
   * one caller asks the store again (and the others go on without it meanwhile).
   */
  private boolean skipStore(Instant now) {
    if (failMode != FailMode.FAIL_OPEN || storeRetryInterval.isZero()) {
      return false;
    }
    long until = skipStoreUntil.get();
    if (until == ASK) {
      return false;
    }
    long at = now.toEpochMilli();
    if (at < until && until - at <= storeRetryInterval.toMillis()) {
      return true; // (a clock set back by more than the interval ends it)
    }
    return !skipStoreUntil.compareAndSet(until, retryAt(now));
  }

  private long retryAt(Instant now) {
    return Saturated.add(now.toEpochMilli(), storeRetryInterval.toMillis());
  }

  void down(Instant now) {
    if (failMode == FailMode.FAIL_OPEN && !storeRetryInterval.isZero()) {
      skipStoreUntil.set(retryAt(now));
    }
  }

  void up() {
    if (skipStoreUntil.get() != ASK) {
      skipStoreUntil.set(ASK);
    }
  }

  /** {@link #call} on an admission path, a plain call on others (status, reports). */
  <T> T ask(boolean admission, Instant now, Supplier<T> call) {
    return admission ? call(now, call) : call.get();
  }

  /**
   * Calls the store, or (fail-open, store failed a moment ago) throws {@link
   * QuotaStoreUnavailableException} without calling it; remembers whether the store answered.
   */
  <T> T call(Instant now, Supplier<T> call) {
    before(now);
    T result;
    try {
      result = call.get();
    } catch (QuotaStoreUnavailableException e) {
      down(now);
      throw e;
    }
    up();
    return result;
  }

  /**
   * The first half of {@link #call}, for the admission path, which calls the store directly (a
   * lambda per call is an allocation): throws when the store is not to be asked now.
   */
  void before(Instant now) {
    if (skipStore(now)) {
      throw new QuotaStoreUnavailableException(
          "the store was not asked: a call failed less than "
              + storeRetryInterval
              + " ago (storeRetryInterval)",
          null);
    }
  }

  /**
   * A store call for a call already admitted (a lease extension, a workflow's release): its answer;
   * when the store cannot be reached, fail-closed throws and fail-open logs {@code warning} and
   * answers null.
   */
  @Nullable Boolean callOrWarn(Instant now, Supplier<Boolean> call, Supplier<String> warning) {
    try {
      return call(now, call);
    } catch (QuotaStoreUnavailableException e) {
      failOpenOrThrow(e);
      LOG.warn("{}", warning.get());
      return null;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(QuotaManager.class);
}
