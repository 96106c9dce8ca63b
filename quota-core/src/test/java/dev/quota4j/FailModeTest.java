package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What admission does when the store cannot be reached. */
class FailModeTest {
  private final InMemoryQuotaStore real = new InMemoryQuotaStore();
  private final Switchable store = new Switchable(real);
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final RecordingListener heard = new RecordingListener();

  private QuotaManager manager(FailMode mode) {
    return builder(mode).build();
  }

  private QuotaManager.Builder builder(FailMode mode) {
    return QuotaManager.builder()
        .store(store)
        .policy(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "1000")))
        .clock(clock)
        .failMode(mode)
        .defaultLogging(false)
        .listener(heard);
  }

  private long used(QuotaManager m) {
    return m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used();
  }

  private long reserved(QuotaManager m) {
    return m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().reserved();
  }

  /**
   * Fail-open: once a store call failed, calls go on without the store for {@code
   * storeRetryInterval}, so that an outage costs one store timeout per interval, not one per call;
   * then a single call asks again, and the first answer ends the interval.
   */
  @Test
  void failOpenDoesWithoutTheStoreForTheRetryIntervalAfterAFailure() {
    QuotaManager m =
        builder(FailMode.FAIL_OPEN).storeRetryInterval(java.time.Duration.ofSeconds(5)).build();
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE);
    store.down = true;
    store.calls.set(0);
    Reservation first = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
    assertTrue(first.isDetached());
    assertEquals(1, store.calls.get(), "the first failure opens the interval");
    for (int i = 0; i < 5; i++) {
      clock.advance(java.time.Duration.ofMillis(900));
      try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
        assertTrue(r.isDetached());
        assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(1, 1)));
      }
      assertTrue(m.record("rec-" + i, UsageRequest.forUser("u").build(), Usage.of(1, 0)));
    }
    assertEquals(1, store.calls.get(), "not asked within the interval");
    assertEquals(Reservation.Outcome.PENDING, first.commit(Usage.of(5, 5)));
    assertEquals(1, store.calls.get());

    clock.advance(java.time.Duration.ofMillis(600)); // 5.1 s after the failure
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      assertTrue(r.isDetached());
    }
    assertEquals(2, store.calls.get(), "one call asks again when the interval is over");
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      assertTrue(r.isDetached());
    }
    assertEquals(2, store.calls.get(), "and its failure opens a new interval");
    assertEquals(11, m.pendingCount());

    store.down = false;
    clock.advance(java.time.Duration.ofSeconds(5));
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      assertTrue(!r.isDetached(), "the store answered: admission uses it again");
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(2, 2)));
    }
    assertEquals(0, m.pendingCount(), "the commit that reached the store replayed the journal");
    assertEquals(10 + 5 * 2 + 5 * 1 + 4, used(m));
  }

  /** With a zero retry interval every call asks the store, as before. */
  @Test
  void aZeroRetryIntervalAsksTheStoreEveryTime() {
    QuotaManager m =
        builder(FailMode.FAIL_OPEN).storeRetryInterval(java.time.Duration.ZERO).build();
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE);
    store.down = true;
    store.calls.set(0);
    for (int i = 0; i < 3; i++) {
      try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
        assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(1, 1)));
      }
    }
    // each admission: directory read, reserve; each commit: record
    assertEquals(9, store.calls.get());
  }

  /** Fail-closed never skips the store: each call asks, each failure reaches its caller. */
  @Test
  void failClosedAsksTheStoreOnEveryCall() {
    QuotaManager m = manager(FailMode.FAIL_CLOSED);
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE);
    store.down = true;
    store.calls.set(0);
    for (int i = 0; i < 3; i++) {
      assertThrows(
          QuotaStoreUnavailableException.class,
          () -> m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10)));
    }
    assertEquals(3, store.calls.get());
    store.down = false;
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(1, 1)));
    }
  }

  /**
   * A reservation granted by the store whose commit could not reach it: the replay commits that
   * reservation, so the capacity it holds comes back at once instead of when its lease ends, and
   * the usage is counted once.
   */
  @Test
  void replayingACommitOfAGrantedReservationFreesItsHoldAtOnce() {
    QuotaManager m = manager(FailMode.FAIL_OPEN);
    Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(100, 100));
    assertTrue(!r.isDetached());
    assertEquals(200, reserved(m));
    store.down = true;
    assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(30, 20)));
    assertEquals(Reservation.Outcome.ALREADY_DONE, r.commit(Usage.of(30, 20)));
    r.close();
    store.down = false;
    assertEquals(200, reserved(m), "held while the usage waits");
    assertEquals(0, m.replayPending());
    assertEquals(0, reserved(m), "freed by the replay, before the lease ends");
    assertEquals(50, used(m));
    assertEquals(0, m.reclaimExpired());
    clock.advance(java.time.Duration.ofHours(1));
    assertEquals(0, m.reclaimExpired(), "nothing left for the lease to free");
    List<UsageEvent> events = real.findEvents(EventQuery.all(10));
    assertEquals(
        List.of(r.id()),
        events.stream()
            .filter(e -> e.status() == dev.quota4j.spi.EventStatus.SUCCESS)
            .map(UsageEvent::eventId)
            .toList());
    assertEquals(50, used(m));
  }

  @Test
  void failClosedThrowsAndChargesNothing() {
    QuotaManager m = manager(FailMode.FAIL_CLOSED);
    store.down = true;
    assertThrows(
        QuotaStoreUnavailableException.class,
        () -> m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10)));
    store.down = false;
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      store.down = true;
      assertThrows(QuotaStoreUnavailableException.class, () -> r.commit(Usage.of(5, 5)));
      store.down = false;
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(5, 5)), "may try again");
    }
    assertEquals(
        10, m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used());
  }

  @Test
  void failOpenAdmitsAndReplaysEachUsageOnce() {
    QuotaManager m = manager(FailMode.FAIL_OPEN);
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE); // creates the subject
    store.down = true;
    Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
    assertTrue(r.isDetached());
    assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(7, 3)));
    assertTrue(m.record("rec-1", UsageRequest.forUser("u").build(), Usage.of(20, 0)));
    assertEquals(2, m.pendingCount());
    assertEquals(2, m.replayPending(), "still down: nothing is lost");
    assertEquals(2, heard.failOpenAdmissions().size());
    store.down = false;
    assertEquals(0, m.replayPending());
    assertEquals(0, m.replayPending());
    assertEquals(
        30, m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used());
    assertEquals(3, real.findEvents(EventQuery.all(10)).size());
  }

  /**
   * Extending a lease while the store is down: fail-open goes on (the lease stays as it was, the
   * failure opens the retry interval like any store call), fail-closed throws; either way the
   * commit once the store is back counts the usage once.
   */
  @Test
  void extendingDuringAnOutageFollowsTheFailMode() {
    QuotaManager open =
        builder(FailMode.FAIL_OPEN).storeRetryInterval(java.time.Duration.ofSeconds(5)).build();
    Reservation r = open.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
    assertTrue(!r.isDetached());
    Instant lease = r.leaseUntil();
    store.down = true;
    store.calls.set(0);
    clock.advance(java.time.Duration.ofMinutes(1));
    r.extend(java.time.Duration.ofMinutes(10));
    assertEquals(lease, r.leaseUntil(), "the store did not extend it");
    assertEquals(1, store.calls.get());
    try (Reservation other = open.reserve(UsageRequest.forUser("u").estimatedTokens(1, 1))) {
      assertTrue(other.isDetached());
    }
    assertEquals(1, store.calls.get(), "the failed extension opened the retry interval");
    store.down = false;
    clock.advance(java.time.Duration.ofSeconds(5));
    r.extend(java.time.Duration.ofMinutes(10));
    assertEquals(clock.instant().plus(java.time.Duration.ofMinutes(10)), r.leaseUntil());
    assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(4, 3)));
    assertEquals(0, open.replayPending());
    assertEquals(7, used(open), "the detached reservation was closed unused");

    QuotaManager closed = manager(FailMode.FAIL_CLOSED);
    try (Reservation c = closed.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      store.down = true;
      assertThrows(
          QuotaStoreUnavailableException.class, () -> c.extend(java.time.Duration.ofMinutes(10)));
      store.down = false;
      c.extend(java.time.Duration.ofMinutes(10));
      assertEquals(Reservation.Outcome.COMMITTED, c.commit(Usage.of(1, 0)));
    }
    assertEquals(7 + 1, used(closed));
  }

  /** A workflow step while the store is down: fail-open runs it; fail-closed refuses it. */
  @Test
  void aWorkflowStepDuringAnOutageFollowsTheFailMode() {
    QuotaManager open =
        builder(FailMode.FAIL_OPEN)
            .workflowLease(java.time.Duration.ofMinutes(2))
            .storeRetryInterval(java.time.Duration.ZERO)
            .build();
    try (Workflow w = open.openWorkflow(SubjectRef.user("u"))) {
      clock.advance(java.time.Duration.ofMinutes(90).dividedBy(60)); // past half the lease
      store.down = true;
      try (Reservation step = w.reserve(UsageRequest.forUser("u").estimatedTokens(1, 1))) {
        assertTrue(step.isDetached());
        assertEquals(Reservation.Outcome.PENDING, step.commit(Usage.of(1, 1)));
      }
      store.down = false;
    }
    assertEquals(0, open.replayPending());

    QuotaManager closed =
        builder(FailMode.FAIL_CLOSED).workflowLease(java.time.Duration.ofMinutes(2)).build();
    try (Workflow w = closed.openWorkflow(SubjectRef.user("u"))) {
      clock.advance(java.time.Duration.ofMinutes(90).dividedBy(60));
      store.down = true;
      assertThrows(
          QuotaStoreUnavailableException.class,
          () -> w.reserve(UsageRequest.forUser("u").estimatedTokens(1, 1)));
      store.down = false;
    }
  }

  /**
   * A request naming a key costs one directory read for it; with a subject cache, one per cache
   * period, whether the key has an entry or not; deactivating it through the admin API applies at
   * once.
   */
  @Test
  void theEntriesOfNamedKeysAreReadOncePerCachePeriod() {
    QuotaManager m =
        builder(FailMode.FAIL_CLOSED).subjectCacheTtl(java.time.Duration.ofMinutes(1)).build();
    UsageRequest.Builder viaKey =
        UsageRequest.forUser("u").providerKey("k-1").estimatedTokens(1, 1);
    m.tryReserve(viaKey).reservation().close();
    store.calls.set(0);
    for (int i = 0; i < 3; i++) {
      m.tryReserve(viaKey).reservation().close();
    }
    assertEquals(3 * 2, store.calls.get(), "reserve and release only: the key's absence is cached");
    QuotaAdmin.of(m).deactivate(SubjectRef.providerKey("k-1"));
    assertEquals(
        DenialCodes.SUBJECT_INACTIVE, m.tryReserve(viaKey).denial().code(), "invalidated at once");
    clock.advance(java.time.Duration.ofMinutes(2));
    store.calls.set(0);
    m.tryReserve(UsageRequest.forUser("u").providerKey("k-2").estimatedTokens(1, 1))
        .reservation()
        .close();
    assertEquals(4, store.calls.get(), "user entry (expired), key entry, reserve, release");
  }

  /** A check during an outage in FAIL_OPEN says allowed and tells nobody: it admitted nothing. */
  @Test
  void aCheckDuringAnOutageTellsNobody() {
    QuotaManager m =
        builder(FailMode.FAIL_OPEN).storeRetryInterval(java.time.Duration.ZERO).build();
    m.record("seed", UsageRequest.forUser("u").build(), Usage.NONE);
    store.down = true;
    assertTrue(m.check(UsageRequest.forUser("u").estimatedTokens(10, 10)).allowed());
    assertTrue(heard.failOpenAdmissions().isEmpty());
    assertTrue(m.tryReserve(UsageRequest.forUser("u").estimatedTokens(10, 10)).allowed());
    assertEquals(1, heard.failOpenAdmissions().size(), "an admission is heard");
  }

  /**
   * An admin change made through this manager while a request was reading the old entry: the old
   * entry (or a key's absence) is not cached over the change, so the next request sees it.
   */
  @Test
  void aChangeMadeWhileARequestReadsTheOldEntryIsSeenByTheNextRequest() {
    QuotaManager m =
        builder(FailMode.FAIL_CLOSED).subjectCacheTtl(java.time.Duration.ofMinutes(5)).build();
    QuotaAdmin admin = QuotaAdmin.of(m);
    UsageRequest.Builder viaKey =
        UsageRequest.forUser("u").providerKey("k-9").estimatedTokens(1, 1);
    m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1)).reservation().close();
    store.afterFind = () -> admin.deactivate(SubjectRef.providerKey("k-9"));
    m.tryReserve(viaKey).reservation().close(); // read "no entry", then the key was deactivated
    assertEquals(DenialCodes.SUBJECT_INACTIVE, m.tryReserve(viaKey).denial().code());

    clock.advance(java.time.Duration.ofMinutes(10)); // the user's cached entry expires
    store.afterFind = () -> admin.deactivate(SubjectRef.user("u"));
    m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1)).reservation().close();
    assertEquals(
        DenialCodes.USER_INACTIVE,
        m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1)).denial().code());
  }

  /** A store that can be switched off. */
  static final class Switchable implements QuotaStore {
    private final QuotaStore delegate;
    volatile boolean down;
    volatile @org.jspecify.annotations.Nullable Runnable afterFind;

    /** Event ids whose commit or record the store refuses, as a database refuses an overflow. */
    final java.util.Set<String> refuse = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();

    Switchable(QuotaStore delegate) {
      this.delegate = delegate;
    }

    private void refuse(UsageEvent event) {
      if (refuse.contains(event.eventId())) {
        throw new IllegalArgumentException(
            "amount: counter would overflow (test refusal of " + event.eventId() + ")");
      }
    }

    private void check() {
      calls.incrementAndGet();
      if (down) {
        throw new QuotaStoreUnavailableException("store is down (test)", null);
      }
    }

    @Override
    public ReserveResult reserve(String id, List<Charge> charges, Instant now, Instant lease) {
      check();
      return delegate.reserve(id, charges, now, lease);
    }

    @Override
    public CommitResult commit(String id, List<Charge> actual, UsageEvent event) {
      check();
      refuse(event);
      return delegate.commit(id, actual, event);
    }

    @Override
    public boolean release(String id, UsageEvent event) {
      check();
      return delegate.release(id, event);
    }

    @Override
    public CommitResult record(List<Charge> charges, UsageEvent event) {
      check();
      refuse(event);
      return delegate.record(charges, event);
    }

    @Override
    public boolean appendEvent(UsageEvent event) {
      check();
      return delegate.appendEvent(event);
    }

    @Override
    public boolean extend(String id, Instant now, Instant lease) {
      check();
      return delegate.extend(id, now, lease);
    }

    @Override
    public int reclaimExpired(Instant now) {
      check();
      return delegate.reclaimExpired(now);
    }

    @Override
    public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
      check();
      return delegate.counters(keys);
    }

    @Override
    public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys, Instant now) {
      check();
      return delegate.counters(keys, now);
    }

    @Override
    public Optional<SubjectRecord> findSubject(dev.quota4j.SubjectRef subject) {
      check();
      Optional<SubjectRecord> found = delegate.findSubject(subject);
      Runnable hook = afterFind;
      if (hook != null) {
        afterFind = null;
        hook.run(); // another thread's change, after this read and before its answer is used
      }
      return found;
    }

    @Override
    public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
      check();
      return delegate.createSubjectIfAbsent(record);
    }

    @Override
    public void saveSubject(SubjectRecord record) {
      check();
      delegate.saveSubject(record);
    }

    @Override
    public List<UsageEvent> findEvents(EventQuery query) {
      check();
      return delegate.findEvents(query);
    }
  }
}
