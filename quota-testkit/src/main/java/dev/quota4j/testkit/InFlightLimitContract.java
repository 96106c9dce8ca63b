package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.Workflow;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Limits on calls in flight ({@link Window#IN_FLIGHT}): a reservation counts from reserve until its
 * commit, fail or close, or until its lease ends, on every store. Nothing sleeps: leases end on a
 * {@link MutableClock}.
 */
public abstract class InFlightLimitContract {
  /** Threads in the concurrency invariant. */
  protected static final int THREADS = 16;

  private static final String PARALLEL = "user-parallel-calls";

  protected QuotaStore store;
  protected MutableClock clock;
  protected RecordingListener heard;

  /** A fresh, empty store. Called before each test. */
  protected abstract QuotaStore newStore();

  @BeforeEach
  void setUpStore() {
    store = newStore();
    clock = MutableClock.at("2026-11-25T10:15:00Z");
    heard = new RecordingListener();
  }

  @AfterEach
  void tearDownStore() {
    if (store != null) {
      store.close();
    }
  }

  private QuotaManager manager(QuotaPolicy policy) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .clock(clock)
        .defaultLogging(false)
        .listener(heard)
        .leaseDuration(Duration.ofMinutes(5))
        .build();
  }

  private static QuotaPolicy userParallel(long max) {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.inFlight(PARALLEL, max))
                .limit(Limit.of("user-daily-requests", Metric.REQUESTS, Window.DAY, 1_000))
                .build())
        .build();
  }

  private static UsageRequest call(String user) {
    return UsageRequest.forUser(user).estimatedTokens(10, 10).build();
  }

  private LimitStatus parallel(QuotaManager m, SubjectRef s, String limit) {
    return m.status(s).limit(limit).orElseThrow();
  }

  @Test
  void aReservationCountsFromReserveUntilCommitFailCloseOrLeaseEnd() {
    QuotaManager m = manager(userParallel(3));
    SubjectRef u = SubjectRef.user("ivy");
    Reservation a = m.reserve(call("ivy"));
    Reservation b = m.reserve(call("ivy"));
    Reservation c = m.reserve(call("ivy"));
    LimitStatus s = parallel(m, u, PARALLEL);
    assertEquals(Window.IN_FLIGHT, s.window());
    assertEquals(0, s.used());
    assertEquals(3, s.reserved());
    assertEquals(0, s.remaining());
    assertNull(s.resetsAt(), "in-flight calls never reset");

    QuotaDecision fourth = m.tryReserve(call("ivy"));
    assertFalse(fourth.allowed());
    QuotaDenial d = fourth.denial();
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, d.code());
    assertEquals(PARALLEL, d.limitName());
    assertEquals(Window.IN_FLIGHT, d.window());
    assertEquals(u, d.subject());
    assertEquals(3, d.limit());
    assertEquals(3, d.reserved());
    assertEquals(0, d.used());
    assertEquals(1, d.requested());
    assertEquals(0, d.remaining());
    assertNull(d.resetsAt());
    assertTrue(d.message().contains("3 in flight now"), d.message());
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, heard.denials().get(0).code());
    QuotaDecision checked = m.check(call("ivy"));
    assertFalse(checked.allowed());
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, checked.denial().code());
    assertEquals(0, checked.remaining(PARALLEL).orElseThrow());
    QuotaExceededException thrown =
        assertThrows(QuotaExceededException.class, () -> m.reserve(call("ivy")));
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, thrown.code());
    QuotaDecision other = m.tryReserve(call("other-user"));
    assertTrue(other.allowed(), "another user has places of its own");
    other.reservation().close();

    // a commit, a fail and a close each free one place
    assertEquals(Reservation.Outcome.COMMITTED, a.commit(Usage.of(10, 5)));
    assertEquals(1, m.check(call("ivy")).remaining(PARALLEL).orElseThrow());
    Reservation d1 = m.reserve(call("ivy"));
    assertFalse(m.tryReserve(call("ivy")).allowed());
    b.fail("provider error", Usage.of(3, 0));
    Reservation d2 = m.reserve(call("ivy"));
    assertFalse(m.tryReserve(call("ivy")).allowed());
    c.close();
    Reservation d3 = m.reserve(call("ivy"));
    assertFalse(m.tryReserve(call("ivy")).allowed());
    s = parallel(m, u, PARALLEL);
    assertEquals(0, s.used(), "a settled call leaves nothing used");
    assertEquals(3, s.reserved());
    assertEquals(2, parallel(m, u, "user-daily-requests").used(), "other limits count as before");

    // the holders vanish: the places come back when their leases end
    clock.advance(Duration.ofMinutes(6));
    Reservation e = m.reserve(call("ivy"));
    e.commit(Usage.of(1, 1));
    int unused = m.reclaimExpired();
    s = parallel(m, u, PARALLEL);
    assertEquals(0, s.used());
    assertEquals(0, s.reserved(), "nothing held after the leases ended");
    // a commit after its lease was reclaimed is recorded, and the counter stays at zero
    assertEquals(Reservation.Outcome.COMMITTED_LATE, d1.commit(Usage.of(2, 2)));
    d2.close();
    d3.fail("lost", Usage.NONE);
    s = parallel(m, u, PARALLEL);
    assertEquals(0, s.used());
    assertEquals(0, s.reserved());
    assertEquals(5, parallel(m, u, "user-daily-requests").used());
  }

  @Test
  void inFlightLimitsApplyToEveryKindOfSubject() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(Limit.inFlight("system-parallel", 4).appliesTo(SubjectKind.SYSTEM))
            .limit(Limit.inFlight("key-parallel", 2).appliesTo(SubjectKind.PROVIDER_KEY))
            .limit(Limit.inFlight("api-key-parallel", 3).appliesTo(SubjectKind.API_KEY))
            .limit(Limit.inFlight("tenant-parallel", 1).appliesTo(SubjectKind.TENANT))
            .build();
    QuotaManager m = manager(policy);
    List<Reservation> held = new ArrayList<>();
    held.add(m.reserve(UsageRequest.forUser("u1").providerKey("groq_1")));
    held.add(m.reserve(UsageRequest.forUser("u2").providerKey("groq_1")));
    QuotaDecision key = m.tryReserve(UsageRequest.forUser("u3").providerKey("groq_1"));
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, key.denial().code());
    assertEquals(SubjectRef.providerKey("groq_1"), key.denial().subject());

    held.add(m.reserve(UsageRequest.forUser("u3").tenant("acme")));
    QuotaDecision tenant = m.tryReserve(UsageRequest.forUser("u4").tenant("acme"));
    assertEquals(SubjectRef.tenant("acme"), tenant.denial().subject());
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, tenant.denial().code());

    held.add(m.reserve(UsageRequest.forUser("u5").apiKey("k1")));
    QuotaDecision system = m.tryReserve(UsageRequest.forUser("u6").apiKey("k1"));
    assertEquals(SubjectRef.SYSTEM, system.denial().subject(), "four calls in flight in all");
    assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, system.denial().code());
    assertEquals(4, parallel(m, SubjectRef.SYSTEM, "system-parallel").reserved());
    assertEquals(1, parallel(m, SubjectRef.apiKey("k1"), "api-key-parallel").reserved());

    held.forEach(Reservation::close);
    assertEquals(0, parallel(m, SubjectRef.SYSTEM, "system-parallel").reserved());
    assertEquals(0, parallel(m, SubjectRef.providerKey("groq_1"), "key-parallel").reserved());
    assertTrue(m.tryReserve(UsageRequest.forUser("u6").providerKey("groq_1")).allowed());
  }

  @Test
  void anOverrideChangesTheNumberOfPlacesAndASoftLimitOnlyWarns() {
    QuotaPolicy policy =
        userParallel(1).toBuilder()
            .limit(Limit.inFlight("soft-parallel", 1).mode(LimitMode.SOFT))
            .build();
    QuotaManager m = manager(policy);
    SubjectRef u = SubjectRef.user("olga");
    QuotaAdmin.of(m).setOverride(u, PARALLEL, 2);
    Reservation a = m.reserve(call("olga"));
    Reservation b = m.reserve(call("olga"));
    assertEquals(
        DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, m.tryReserve(call("olga")).denial().code());
    assertEquals(1, heard.wouldDeny().size(), "the soft limit warned about the second call");
    assertEquals(2, parallel(m, u, "soft-parallel").reserved());
    a.close();
    b.close();
    assertEquals(0, parallel(m, u, "soft-parallel").reserved());
  }

  @Test
  void aConcurrentWorkflowLimitStillCountsOpenWorkflowsOnly() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(Limit.of("max-concurrent-workflows", Metric.REQUESTS, Window.CONCURRENT, 1))
            .limit(Limit.inFlight("user-parallel", 2))
            .build();
    QuotaManager m = manager(policy);
    SubjectRef u = SubjectRef.user("wendy");
    List<Reservation> calls = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      calls.add(m.reserve(call("wendy")));
    }
    try (Workflow w = m.openWorkflow(u)) { // calls in flight hold no workflow place
      assertEquals(
          DenialCodes.CONCURRENT_WORKFLOW_LIMIT_EXCEEDED,
          assertThrows(QuotaExceededException.class, () -> m.openWorkflow(u)).code());
      assertEquals(
          DenialCodes.CONCURRENT_REQUESTS_EXCEEDED,
          assertThrows(
                  QuotaExceededException.class,
                  () -> w.reserve(UsageRequest.forUser("wendy").estimatedTokens(1, 1)))
              .code(),
          "a workflow's calls are calls in flight too");
      calls.forEach(Reservation::close);
      try (Reservation step = w.reserve(UsageRequest.forUser("wendy").estimatedTokens(1, 1))) {
        step.commit(Usage.of(1, 1));
      }
      assertEquals(1, parallel(m, u, "max-concurrent-workflows").reserved());
      assertEquals(0, parallel(m, u, "user-parallel").reserved());
    }
    assertEquals(0, parallel(m, u, "max-concurrent-workflows").reserved());
  }

  @Test
  void recordedUsageIsNotInFlight() {
    QuotaManager m = manager(userParallel(1));
    SubjectRef u = SubjectRef.user("rita");
    assertTrue(m.record("evt-1", call("rita"), Usage.of(10, 10)));
    assertEquals(0, parallel(m, u, PARALLEL).reserved());
    assertEquals(0, parallel(m, u, PARALLEL).used());
    assertEquals(1, parallel(m, u, "user-daily-requests").used());
    assertTrue(m.tryReserve(call("rita")).allowed());
  }

  @Test
  void onlyRequestsCountInFlightAndNotPerWorkflow() {
    IllegalArgumentException metric =
        assertThrows(
            IllegalArgumentException.class,
            () -> Limit.of("t", Metric.TOKENS, Window.IN_FLIGHT, 3));
    assertTrue(
        String.valueOf(metric.getMessage()).contains("metric of limit"), metric.getMessage());
    IllegalArgumentException kind =
        assertThrows(
            IllegalArgumentException.class,
            () -> Limit.inFlight("w", 3).appliesTo(SubjectKind.WORKFLOW));
    assertTrue(String.valueOf(kind.getMessage()).contains("appliesTo of limit"), kind.getMessage());
  }

  /**
   * {@value #THREADS} threads reserve, hold and settle against a limit of 3: never more than 3
   * calls are in flight at any moment, the limit is reached, and nothing is held at the end.
   */
  @Test
  @SuppressWarnings(
      "ThreadPriorityCheck") // Thread.yield() invites other threads in while one holds
  void manyThreadsNeverHaveMoreCallsInFlightThanTheLimit() throws Exception {
    int max = 3;
    QuotaManager m = manager(userParallel(max));
    SubjectRef u = SubjectRef.user("tess");
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger denied = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 25; i++) {
                    QuotaDecision d = m.tryReserve(call("tess"));
                    if (!d.allowed()) {
                      assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, d.denial().code());
                      denied.incrementAndGet();
                      continue;
                    }
                    admitted.incrementAndGet();
                    try (Reservation r = d.reservation()) {
                      int now = inFlight.incrementAndGet();
                      peak.accumulateAndGet(now, Math::max);
                      Thread.yield();
                      inFlight.decrementAndGet();
                      switch ((thread + i) % 3) {
                        case 0 -> r.commit(Usage.of(10, 10));
                        case 1 -> r.fail("error", Usage.NONE);
                        default -> {} // closed
                      }
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(peak.get() <= max, () -> "at most " + max + " in flight, saw " + peak.get());
    assertTrue(admitted.get() > 0 && denied.get() > 0, admitted + " admitted, " + denied);
    LimitStatus s = parallel(m, u, PARALLEL);
    assertEquals(0, s.used());
    assertEquals(0, s.reserved(), "nothing held at the end");
    assertEquals(
        admitted.get(),
        store.findEvents(EventQuery.all(100_000).forSubject(u)).stream()
            .filter(e -> e.status() != EventStatus.QUOTA_EXCEEDED)
            .count(),
        "one ledger event per admitted call");
  }
}
