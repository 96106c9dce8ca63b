package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Settling a reservation from two threads at once: a commit, fail or close that arrives while
 * another settlement of the same reservation is in flight waits for it and then answers from what
 * really happened. Every store runs it through a decorator that holds the first commit on a latch;
 * nothing sleeps.
 */
public abstract class SettlementContract {
  private static final String LIMIT = "user-daily-tokens";
  private static final SubjectRef USER = SubjectRef.user("settler");

  protected QuotaStore store;
  private GatedStore gated;
  private MutableClock clock;

  /** A fresh, empty store. Called before each test. */
  protected abstract QuotaStore newStore();

  @BeforeEach
  void setUpStore() {
    store = newStore();
    gated = new GatedStore(store);
    clock = MutableClock.at("2026-11-25T10:15:00Z");
  }

  @AfterEach
  void tearDownStore() {
    if (store != null) {
      gated.open(); // never leave a thread parked on the gate
      store.close();
    }
  }

  private QuotaManager manager() {
    return QuotaManager.builder()
        .store(gated)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, 1_000))
                        .build())
                .build())
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  private static Reservation reserve(QuotaManager m) {
    return m.reserve(UsageRequest.forUser(USER.id()).estimatedTokens(100, 100));
  }

  // ------------------------------------------------------------------ two commits

  @Test
  void aSecondCommitWaitsForTheOneInFlightAndThenSaysItIsDone() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.APPLY);
    Call<Reservation.Outcome> first = Call.start("first", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Reservation.Outcome> second = Call.start("second", () -> r.commit(Usage.of(10, 20)));
    second.assertWaiting("a second commit while the first is in flight");

    gated.open();
    assertEquals(Reservation.Outcome.COMMITTED, first.result());
    assertEquals(Reservation.Outcome.ALREADY_DONE, second.result());
    assertSettled(m, r, 30);
  }

  /** The old defect: the second caller was told ALREADY_DONE, and nothing was recorded. */
  @Test
  void aCommitWaitingForOneThatFailedCommitsItself() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.FAIL_UNAPPLIED);
    Call<Reservation.Outcome> first = Call.start("first", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Reservation.Outcome> second = Call.start("second", () -> r.commit(Usage.of(10, 20)));
    second.assertWaiting("a second commit while the first is in flight");

    gated.open();
    assertInstanceOf(QuotaStoreUnavailableException.class, first.failure());
    assertEquals(
        Reservation.Outcome.COMMITTED,
        second.result(),
        "the first commit failed: the second one tried and committed");
    assertSettled(m, r, 30);
  }

  /**
   * The first commit reached the store but its answer was lost: the one waiting asks the store,
   * which says the reservation is committed; ALREADY_DONE is then true, the ledger holds it once.
   */
  @Test
  void aCommitWaitingForOneWhoseAnswerWasLostIsToldDoneOnlyWhenTheLedgerHoldsIt() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.APPLY_AND_FAIL);
    Call<Reservation.Outcome> first = Call.start("first", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Reservation.Outcome> second = Call.start("second", () -> r.commit(Usage.of(10, 20)));
    second.assertWaiting("a second commit while the first is in flight");

    gated.open();
    assertInstanceOf(QuotaStoreUnavailableException.class, first.failure());
    assertEquals(Reservation.Outcome.ALREADY_DONE, second.result());
    assertSettled(m, r, 30);
  }

  @Test
  void aFailWaitingForACommitThatFailedChargesWhatWasBilled() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.FAIL_UNAPPLIED);
    Call<Reservation.Outcome> first = Call.start("first", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Reservation.Outcome> second =
        Call.start("second", () -> r.fail("provider timed out", Usage.of(5, 0)));
    second.assertWaiting("a fail while a commit is in flight");

    gated.open();
    assertInstanceOf(QuotaStoreUnavailableException.class, first.failure());
    assertEquals(Reservation.Outcome.COMMITTED, second.result());
    assertSettled(m, r, 5);
  }

  // ------------------------------------------------------------------ close during a commit

  @Test
  void aCloseDuringACommitWaitsAndThenLeavesTheCommitAlone() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.APPLY);
    Call<Reservation.Outcome> first = Call.start("commit", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Boolean> close = Call.start("close", () -> closed(r));
    close.assertWaiting("a close while a commit is in flight");

    gated.open();
    assertEquals(Reservation.Outcome.COMMITTED, first.result());
    assertTrue(close.result());
    assertSettled(m, r, 30);
    assertEquals(0, released(r), "a close after a commit releases nothing");
  }

  /**
   * Close semantics hold as if the two calls came one after the other: the commit failed, so
   * nothing was committed and the close releases the capacity; the committer was told by its
   * exception and may record the usage with {@code record()}.
   */
  @Test
  void aCloseDuringACommitThatFailsReleasesTheCapacity() throws Exception {
    QuotaManager m = manager();
    Reservation r = reserve(m);
    gated.holdNextCommit(Then.FAIL_UNAPPLIED);
    Call<Reservation.Outcome> first = Call.start("commit", () -> r.commit(Usage.of(10, 20)));
    gated.awaitHeld();
    Call<Boolean> close = Call.start("close", () -> closed(r));
    close.assertWaiting("a close while a commit is in flight");

    gated.open();
    assertInstanceOf(QuotaStoreUnavailableException.class, first.failure());
    assertTrue(close.result());
    assertFalse(r.isOpen());
    LimitStatus s = m.status(USER).limit(LIMIT).orElseThrow();
    assertEquals(0, s.used());
    assertEquals(0, s.reserved(), "the close released what the failed commit left held");
    assertEquals(1, released(r));
    assertThrows(IllegalStateException.class, () -> r.commit(Usage.of(10, 20)));
    assertEquals(0, committedEvents(r));
  }

  /** A listener told of a commit may settle that reservation again: no deadlock, no change. */
  @Test
  void aListenerOfTheCommitMaySettleTheSameReservation() {
    java.util.concurrent.atomic.AtomicReference<Reservation> current =
        new java.util.concurrent.atomic.AtomicReference<>();
    List<Reservation.Outcome> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    QuotaManager m =
        QuotaManager.builder()
            .store(gated)
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, 1_000))
                            .build())
                    .build())
            .clock(clock)
            .defaultLogging(false)
            .listener(
                new dev.quota4j.QuotaListener() {
                  @Override
                  public void onCommitted(UsageEvent event) {
                    Reservation r = Objects.requireNonNull(current.get());
                    heard.add(r.commit(Usage.of(1, 1)));
                    r.close();
                  }
                })
            .build();
    Reservation r = reserve(m);
    current.set(r);
    assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(10, 20)));
    assertEquals(List.of(Reservation.Outcome.ALREADY_DONE), heard);
    assertSettled(m, r, 30);
  }

  // ------------------------------------------------------------------ helpers

  private static boolean closed(Reservation r) {
    r.close();
    return true;
  }

  private void assertSettled(QuotaManager m, Reservation r, long tokens) {
    assertFalse(r.isOpen());
    LimitStatus s = m.status(USER).limit(LIMIT).orElseThrow();
    assertEquals(tokens, s.used(), "counted once");
    assertEquals(0, s.reserved(), "nothing left held");
    assertEquals(1, committedEvents(r), "the ledger holds the commit once");
    long ledger = 0;
    for (UsageEvent e : events(r)) {
      ledger += e.totalTokens();
    }
    assertEquals(tokens, ledger, "counters == ledger");
    assertEquals(Reservation.Outcome.ALREADY_DONE, r.commit(Usage.of(1, 1)));
  }

  private List<UsageEvent> events(Reservation r) {
    return store.findEvents(EventQuery.all(100).forSubject(USER)).stream()
        .filter(e -> r.id().equals(e.reservationId()))
        .toList();
  }

  private long committedEvents(Reservation r) {
    return events(r).stream()
        .filter(e -> e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR)
        .count();
  }

  private long released(Reservation r) {
    return events(r).stream().filter(e -> e.status() == EventStatus.RELEASED).count();
  }

  /** A call on a thread of its own, whose result the test waits for. */
  private static final class Call<T> {
    private final Thread thread;
    private final CompletableFuture<T> done = new CompletableFuture<>();

    private Call(String name, Supplier<T> body) {
      this.thread =
          new Thread(
              () -> {
                try {
                  done.complete(body.get());
                } catch (Throwable t) {
                  done.completeExceptionally(t);
                }
              },
              "settlement-" + name);
      thread.setDaemon(true);
    }

    static <T> Call<T> start(String name, Supplier<T> body) {
      Call<T> c = new Call<>(name, body);
      c.thread.start();
      return c;
    }

    /** Waits until the call either finished or parked, and asserts that it parked. */
    void assertWaiting(String what) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!done.isDone()) {
        Thread.State state = thread.getState();
        if (state == Thread.State.WAITING
            || state == Thread.State.TIMED_WAITING
            || state == Thread.State.BLOCKED) {
          return;
        }
        if (System.nanoTime() > deadline) {
          fail(what + ": neither finished nor waits, state " + state);
        }
        Thread.onSpinWait();
      }
      fail(what + " returned before the one in flight finished: " + done.join());
    }

    T result() throws Exception {
      try {
        return done.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new AssertionError("the call failed", e.getCause());
      }
    }

    Throwable failure() throws Exception {
      try {
        T r = done.get(60, TimeUnit.SECONDS);
        throw new AssertionError("expected a failure, got " + r);
      } catch (ExecutionException e) {
        return Objects.requireNonNull(e.getCause());
      }
    }
  }

  /** What the held commit does once the gate opens. */
  private enum Then {
    /** Commits in the store. */
    APPLY,
    /** Throws as an unreachable store does, having changed nothing. */
    FAIL_UNAPPLIED,
    /** Commits in the store, then throws as if the answer was lost on the way back. */
    APPLY_AND_FAIL
  }

  /** A store that holds the next commit on a latch; every other call goes straight through. */
  private static final class GatedStore implements QuotaStore {
    private final QuotaStore delegate;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile Then then = Then.APPLY;

    GatedStore(QuotaStore delegate) {
      this.delegate = delegate;
    }

    void holdNextCommit(Then what) {
      then = what;
      armed.set(true);
    }

    void awaitHeld() throws InterruptedException {
      assertTrue(held.await(30, TimeUnit.SECONDS), "the first commit reached the store");
    }

    void open() {
      gate.countDown();
    }

    @Override
    public CommitResult commit(String reservationId, List<Charge> actual, UsageEvent event) {
      if (!armed.compareAndSet(true, false)) {
        return delegate.commit(reservationId, actual, event);
      }
      held.countDown();
      try {
        if (!gate.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return switch (then) {
        case APPLY -> delegate.commit(reservationId, actual, event);
        case FAIL_UNAPPLIED ->
            throw new QuotaStoreUnavailableException("the store did not answer (test)", null);
        case APPLY_AND_FAIL -> {
          CommitResult unused = delegate.commit(reservationId, actual, event);
          throw new QuotaStoreUnavailableException("the answer was lost (test)", null);
        }
      };
    }

    @Override
    public ReserveResult reserve(
        String reservationId, List<Charge> charges, Instant now, Instant leaseUntil) {
      return delegate.reserve(reservationId, charges, now, leaseUntil);
    }

    @Override
    public boolean release(String reservationId, UsageEvent event) {
      return delegate.release(reservationId, event);
    }

    @Override
    public CommitResult record(List<Charge> charges, UsageEvent event) {
      return delegate.record(charges, event);
    }

    @Override
    public boolean appendEvent(UsageEvent event) {
      return delegate.appendEvent(event);
    }

    @Override
    public boolean extend(String reservationId, Instant now, Instant leaseUntil) {
      return delegate.extend(reservationId, now, leaseUntil);
    }

    @Override
    public int reclaimExpired(Instant now) {
      return delegate.reclaimExpired(now);
    }

    @Override
    public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
      return delegate.counters(keys);
    }

    @Override
    public Optional<SubjectRecord> findSubject(SubjectRef subject) {
      return delegate.findSubject(subject);
    }

    @Override
    public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
      return delegate.createSubjectIfAbsent(record);
    }

    @Override
    public void saveSubject(SubjectRecord record) {
      delegate.saveSubject(record);
    }

    @Override
    public List<UsageEvent> findEvents(EventQuery query) {
      return delegate.findEvents(query);
    }
  }
}
