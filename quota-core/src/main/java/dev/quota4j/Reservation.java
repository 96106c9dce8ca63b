package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Capacity held for one call. Commit what the provider really used, fail with what it billed, or
 * close to release everything; each is idempotent and the first one that lands wins. Use it in
 * try-with-resources so that a call that never happens gives its capacity back.
 *
 * <p>Settling is safe from several threads: one commit, fail or close runs against the store at a
 * time, and one that arrives while another is in flight waits for it (as long as that store call
 * takes, no longer) and then answers from what really happened. If the first one landed, a second
 * commit or fail returns {@link Outcome#ALREADY_DONE} and a close does nothing. If it threw (the
 * store was unreachable; the reservation is still open), the waiting commit or fail tries itself
 * and reports its own result, and a waiting close releases the capacity, as a close after a failed
 * commit does.
 *
 * <p>A reservation holds its capacity for a lease ({@link QuotaManager.Builder#leaseDuration});
 * {@link #extend} renews it for long streams. After the lease ends the store may reclaim it; a
 * later commit still records the usage and reports {@link Outcome#COMMITTED_LATE}.
 */
public final class Reservation implements AutoCloseable {

  /** What a commit or fail did. */
  public enum Outcome {
    /** The usage was committed now. */
    COMMITTED,
    /** The lease had ended and the store had reclaimed it; the usage was recorded anyway, once. */
    COMMITTED_LATE,
    /**
     * This reservation was already committed or failed, by an earlier call or by one in flight that
     * this call waited for; the store holds that usage, and nothing changed now.
     */
    ALREADY_DONE,
    /** The store was unreachable and the manager fails open: the usage waits for replay. */
    PENDING
  }

  private enum State {
    OPEN,
    COMMITTED,
    RELEASED
  }

  private final Admitted admitted;
  private final Settlement settlement;
  private volatile Instant leaseUntil;
  private volatile State state = State.OPEN;

  /**
   * Held by the one commit, fail or close talking to the store; the others wait for it. A {@code
   * ReentrantLock} rather than a monitor: a virtual thread blocked on it does not pin its carrier.
   */
  private final ReentrantLock settling = new ReentrantLock();

  Reservation(Admitted admitted, Settlement settlement, Instant leaseUntil) {
    this.admitted = admitted;
    this.settlement = settlement;
    this.leaseUntil = leaseUntil;
  }

  /** The reservation id; also the id of the ledger event that closes it. */
  public String id() {
    return admitted.id();
  }

  /**
   * The most output tokens the call may produce: the request's maximum, or less when a CLAMP limit
   * shrank it to what fits. Pass it to the provider as {@code max_tokens}.
   */
  public long grantedMaxOutputTokens() {
    return admitted.grantedMaxOutputTokens();
  }

  /** The input tokens estimated at admission. */
  public long estimatedInputTokens() {
    return admitted.estimate().inputTokens;
  }

  /**
   * Where each limit this reservation charges stood right after admission, with this reservation
   * counted in: its used, reserved and remaining amounts and when its window resets, as the store
   * reported them in its answer to the reservation (no other store call). Empty when the call was
   * admitted without the store ({@link #isDetached()}) or charged no stored limit; a store that
   * does not report a counter leaves its limit out. Per-request caps are not listed.
   */
  public List<LimitStatus> limits() {
    List<LimitStatus> out = new ArrayList<>();
    Set<CounterKey> seen = new HashSet<>();
    for (Bound b : admitted.bounds()) {
      CounterKey key = b.key();
      CounterValue v = admitted.counters().get(key);
      if (v != null && seen.add(key)) {
        out.add(StatusReader.limitStatus(b, v));
      }
    }
    return out;
  }

  /** When the lease ends unless extended. */
  public Instant leaseUntil() {
    return leaseUntil;
  }

  /**
   * Whether this reservation was admitted without the store (in {@link FailMode#FAIL_OPEN}); its
   * usage is recorded when the store is back.
   */
  public boolean isDetached() {
    return admitted.detached();
  }

  /** Whether it is still open: not committed, failed or released. */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /**
   * Replaces the estimate with what the call really used. The actual usage may exceed the estimate:
   * it is recorded and later calls see it.
   *
   * @throws IllegalStateException if the reservation was already released
   * @throws QuotaStoreUnavailableException in {@link FailMode#FAIL_CLOSED} when the store cannot be
   *     reached; the reservation stays open, and the commit may be tried again (it is idempotent)
   */
  @CanIgnoreReturnValue
  public Outcome commit(Usage actual) {
    return finish(actual, EventStatus.SUCCESS, null, null);
  }

  /**
   * Records that the call failed and charges only what the provider billed ({@link Usage#NONE} if
   * nothing). The ledger keeps the exception's class name, not its message, since messages of
   * client libraries may quote the prompt.
   */
  @CanIgnoreReturnValue
  public Outcome fail(Throwable cause, Usage billed) {
    return finish(billed, EventStatus.ERROR, cause.getClass().getName(), null);
  }

  /**
   * Records that the call failed with a message the caller vouches for (no prompt text) and charges
   * only what the provider billed.
   */
  @CanIgnoreReturnValue
  public Outcome fail(String errorMessage, Usage billed) {
    return finish(billed, EventStatus.ERROR, "ERROR", errorMessage);
  }

  private Outcome finish(
      Usage usage,
      EventStatus status,
      @org.jspecify.annotations.Nullable String code,
      @org.jspecify.annotations.Nullable String message) {
    State now = state;
    if (now == State.COMMITTED || (now == State.OPEN && settling.isHeldByCurrentThread())) {
      // settled; or a listener of this reservation's own commit, which runs once the store applied
      return Outcome.ALREADY_DONE;
    }
    settling.lock(); // waits for a commit, fail or close in flight on another thread
    try {
      if (state == State.RELEASED) {
        throw new IllegalStateException(
            "reservation "
                + admitted.id()
                + " was already released; record late usage with record()");
      }
      if (state == State.COMMITTED) {
        return Outcome.ALREADY_DONE;
      }
      // throws when nothing was applied (or nothing is known to be): the reservation stays open,
      // so that this caller may try again or close, and a commit waiting for this one tries itself
      Outcome outcome = settlement.settle(admitted, leaseUntil, usage, status, code, message);
      state = State.COMMITTED;
      return outcome;
    } finally {
      settling.unlock();
    }
  }

  /**
   * Holds the capacity for {@code duration} from now.
   *
   * <p>When the store cannot be reached, a {@link FailMode#FAIL_CLOSED} manager throws {@link
   * QuotaStoreUnavailableException}; a {@link FailMode#FAIL_OPEN} one logs a warning and leaves
   * {@link #leaseUntil()} as it was: should the store reclaim the lease meanwhile, the commit still
   * counts.
   *
   * @throws ReservationExpiredException if the lease already ended: the store no longer holds its
   *     capacity (it reclaimed it before, or in this call); a commit still counts, {@link
   *     Outcome#COMMITTED_LATE}
   * @throws IllegalStateException if the reservation is no longer open
   */
  public void extend(Duration duration) {
    if (!isOpen()) {
      throw new IllegalStateException("reservation " + admitted.id() + " is no longer open");
    }
    leaseUntil = settlement.renewLease(admitted, leaseUntil, duration);
  }

  /**
   * Releases whatever was not committed. Idempotent; a no-op after commit or fail. Called while a
   * commit or fail is in flight on another thread, it waits for it: it does nothing if that one
   * landed, and releases if it threw.
   */
  @Override
  public void close() {
    if (state != State.OPEN || settling.isHeldByCurrentThread()) {
      return; // settled; or a listener of this reservation's own commit, which already landed
    }
    settling.lock();
    try {
      if (state != State.OPEN) {
        return;
      }
      state = State.RELEASED;
      try {
        settlement.releaseHold(admitted);
      } catch (QuotaStoreUnavailableException e) {
        // the lease ends by itself and the store reclaims the capacity then
        org.slf4j.LoggerFactory.getLogger(Reservation.class)
            .warn(
                "could not release reservation {}: its capacity returns when its lease ends at {}",
                Checks.show(admitted.id()),
                leaseUntil);
      }
    } finally {
      settling.unlock();
    }
  }

  @Override
  public String toString() {
    return "Reservation{" + admitted.id() + ", " + state + ", lease until " + leaseUntil + "}";
  }
}
