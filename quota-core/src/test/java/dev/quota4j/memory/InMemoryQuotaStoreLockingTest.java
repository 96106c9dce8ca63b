package dev.quota4j.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The store's lock per counter, as invariants over many threads: reservations of different users
 * that share the system counter are all or nothing and never over-admit; a reader sees the counters
 * of one call change together; a reservation is settled exactly once however many calls race.
 */
class InMemoryQuotaStoreLockingTest {
  private static final int THREADS = 8;
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  private static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");
  private static final Instant DAY_END = Instant.parse("2026-11-26T00:00:00Z");
  private static final Instant HOUR = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant HOUR_END = Instant.parse("2026-11-25T11:00:00Z");
  private static final CounterKey SYSTEM =
      new CounterKey("system-hourly-tokens", SubjectRef.SYSTEM, HOUR);

  private static CounterKey tokens(String user) {
    return new CounterKey("user-daily-tokens", SubjectRef.user(user), DAY);
  }

  private static CounterKey requests(String user) {
    return new CounterKey("user-daily-requests", SubjectRef.user(user), DAY);
  }

  /** One call's charges: the user's tokens and requests, the system's tokens. */
  private static List<Charge> call(String user, long tokens, long userTokens, long userRequests) {
    return List.of(
        new Charge(tokens(user), tokens, userTokens, Admission.FIT, DAY_END),
        new Charge(requests(user), 1, userRequests, Admission.FIT, DAY_END),
        new Charge(SYSTEM, tokens, SYSTEM_LIMIT, Admission.FIT, HOUR_END));
  }

  private static final long SYSTEM_LIMIT = 2_000;

  private static UsageEvent event(String id, String user, long tokens) {
    return UsageEvent.builder(id, NOW, EventStatus.SUCCESS, SubjectRef.user(user))
        .reservationId(id)
        .outputTokens(tokens)
        .build();
  }

  private static void runAll(List<java.util.concurrent.Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<Void>> futures = pool.invokeAll(tasks, 120, TimeUnit.SECONDS);
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * 40 users, 8 threads, each call charging the user's two counters and the system's: the system
   * limit binds long before the users' do. Commits (some below the estimate) and releases free
   * capacity while others reserve. Nothing is over-admitted, each call is charged to all three
   * counters or none (the users' tokens add up to the system's), and the system fills exactly.
   */
  @Test
  void usersSharingTheSystemCounterNeverOverAdmitAndFillItExactly() throws Exception {
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    int users = 40;
    long userTokens = 100;
    long userRequests = 8;
    AtomicLong committed = new AtomicLong();
    AtomicInteger ids = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      tasks.add(
          () -> {
            start.await();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < 600; i++) {
              String user = "u" + rnd.nextInt(users);
              String id = "r-" + ids.incrementAndGet();
              List<Charge> charges = call(user, 10, userTokens, userRequests);
              ReserveResult r = store.reserve(id, charges, NOW, NOW.plusSeconds(300));
              if (!(r instanceof ReserveResult.Granted)) {
                continue;
              }
              int what = rnd.nextInt(10);
              if (what < 2) {
                assertTrue(
                    store.release(
                        id,
                        UsageEvent.builder(id, NOW, EventStatus.RELEASED, SubjectRef.user(user))
                            .reservationId(id)
                            .build()));
                continue;
              }
              long actual = what < 3 ? 5 : 10;
              List<Charge> used = new ArrayList<>();
              for (Charge c : charges) {
                used.add(c.withAmount(c.key().limitId().endsWith("requests") ? 1 : actual));
              }
              CommitResult done = store.commit(id, used, event(id, user, actual));
              assertEquals(CommitResult.Status.APPLIED, done.status());
              committed.addAndGet(actual);
            }
            return null;
          });
    }
    runAll(tasks);
    // fill what is left with calls of fresh users (their own limits are far away)
    for (int i = 0; ; i++) {
      String user = "fill-" + i;
      String id = "fill-" + i;
      ReserveResult r = store.reserve(id, call(user, 5, userTokens, userRequests), NOW, NOW);
      if (r instanceof ReserveResult.Rejected rejected) {
        assertEquals(SYSTEM, rejected.charge().key(), "the system limit is the one that binds");
        break;
      }
      List<Charge> used = new ArrayList<>();
      for (Charge c : call(user, 5, userTokens, userRequests)) {
        used.add(c);
      }
      assertEquals(
          CommitResult.Status.APPLIED, store.commit(id, used, event(id, user, 5)).status());
      committed.addAndGet(5);
    }
    List<CounterKey> keys = new ArrayList<>();
    keys.add(SYSTEM);
    for (int u = 0; u < users; u++) {
      keys.add(tokens("u" + u));
      keys.add(requests("u" + u));
    }
    Map<CounterKey, CounterValue> values = store.counters(keys);
    CounterValue system = values.get(SYSTEM);
    assertEquals(new CounterValue(SYSTEM_LIMIT, 0), system, "filled exactly, nothing held");
    assertEquals(committed.get(), system.used(), "stored == sum of commits");
    long userSum = 0;
    for (int u = 0; u < users; u++) {
      CounterValue t = values.getOrDefault(tokens("u" + u), CounterValue.ZERO);
      CounterValue q = values.getOrDefault(requests("u" + u), CounterValue.ZERO);
      assertTrue(t.used() <= userTokens && q.used() <= userRequests, "u" + u + ": " + t + q);
      assertEquals(0, t.reserved() + q.reserved());
      userSum += t.used();
    }
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
      if (e.eventId().startsWith("fill-")) {
        userSum += e.outputTokens();
      }
    }
    assertEquals(system.used(), userSum, "every call charged the user and the system, or neither");
    long ledger = 0;
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
      ledger += e.outputTokens();
    }
    assertEquals(system.used(), ledger, "counters == ledger");
    assertEquals(0, store.openReservations());
    assertEquals(0, store.openLeases());
  }

  /**
   * One user: every call charges the user's tokens and the system's by the same amount, so in any
   * consistent view the two counters are equal. A reader takes views while writers reserve, commit
   * and release; it never sees one counter changed without the other.
   */
  @Test
  void aReaderSeesTheCountersOfACallChangeTogether() throws Exception {
    InMemoryQuotaStore store = new InMemoryQuotaStore(1_000);
    CounterKey user = tokens("solo");
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger views = new AtomicInteger();
    ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
    AtomicInteger ids = new AtomicInteger();
    List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
    AtomicInteger writersLeft = new AtomicInteger(THREADS - 1);
    for (int t = 0; t < THREADS - 1; t++) {
      tasks.add(
          () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            try {
              for (int i = 0; i < 3_000; i++) {
                String id = "r-" + ids.incrementAndGet();
                long n = rnd.nextLong(1, 50);
                List<Charge> charges =
                    List.of(
                        new Charge(user, n, Long.MAX_VALUE, Admission.FIT, DAY_END),
                        new Charge(SYSTEM, n, Long.MAX_VALUE, Admission.FIT, HOUR_END));
                assertInstanceOf(
                    ReserveResult.Granted.class,
                    store.reserve(id, charges, NOW, NOW.plusSeconds(9)));
                if (rnd.nextBoolean()) {
                  boolean unused =
                      store.release(
                          id,
                          UsageEvent.builder(id, NOW, EventStatus.RELEASED, SubjectRef.user("solo"))
                              .build());
                } else {
                  long a = rnd.nextLong(0, 60);
                  CommitResult unused =
                      store.commit(
                          id,
                          List.of(charges.get(0).withAmount(a), charges.get(1).withAmount(a)),
                          event(id, "solo", a));
                }
              }
            } finally {
              if (writersLeft.decrementAndGet() == 0) {
                writing.set(false);
              }
            }
            return null;
          });
    }
    tasks.add(
        () -> {
          while (writing.get() || views.get() == 0) {
            Map<CounterKey, CounterValue> v = store.counters(List.of(SYSTEM, user));
            CounterValue a = v.getOrDefault(user, CounterValue.ZERO);
            CounterValue b = v.getOrDefault(SYSTEM, CounterValue.ZERO);
            if (!a.equals(b)) {
              torn.add(a + " / " + b);
            }
            views.incrementAndGet();
          }
          return null;
        });
    runAll(tasks);
    assertTrue(torn.isEmpty(), () -> "torn views: " + torn);
    assertTrue(views.get() > 0);
    Map<CounterKey, CounterValue> end = store.counters(List.of(SYSTEM, user));
    assertEquals(end.get(SYSTEM), end.get(user));
    assertEquals(0, end.get(user).reserved());
  }

  /**
   * Two commits, a release and a reclaim of each reservation race: exactly one settles it, the
   * reserved amount comes off once, and a commit that comes second never counts the usage again.
   * (The interleaving fixed in d6cc206, a second commit between the first one's removal of the
   * reservation and its locking of the counters, is too narrow for this test to hit reliably: with
   * that order put back it passed three runs out of three. The fix rests on the locking argument in
   * the store's Javadoc.)
   */
  @Test
  void aReservationIsSettledExactlyOnceWhenCallsRace() throws Exception {
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    CounterKey user = tokens("racer");
    int rounds = 400;
    long amount = 7;
    AtomicInteger applied = new AtomicInteger();
    AtomicInteger late = new AtomicInteger();
    AtomicInteger releasedOrReclaimed = new AtomicInteger();
    Instant leaseEnd = NOW.plusSeconds(60);
    Instant afterLease = leaseEnd.plus(Duration.ofSeconds(1));
    for (int round = 0; round < rounds; round++) {
      String id = "r-" + round;
      List<Charge> charges =
          List.of(
              new Charge(user, amount, Long.MAX_VALUE, Admission.FIT, DAY_END),
              new Charge(SYSTEM, amount, Long.MAX_VALUE, Admission.FIT, HOUR_END));
      assertInstanceOf(ReserveResult.Granted.class, store.reserve(id, charges, NOW, leaseEnd));
      CyclicBarrier go = new CyclicBarrier(4);
      List<java.util.concurrent.Callable<Void>> racers = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        racers.add(
            () -> {
              go.await();
              switch (store.commit(id, charges, event(id, "racer", amount)).status()) {
                case APPLIED -> applied.incrementAndGet();
                case APPLIED_LATE -> late.incrementAndGet();
                case ALREADY_APPLIED -> {}
              }
              return null;
            });
      }
      racers.add(
          () -> {
            go.await();
            if (store.release(
                id,
                UsageEvent.builder(id, NOW, EventStatus.RELEASED, SubjectRef.user("racer"))
                    .build())) {
              releasedOrReclaimed.incrementAndGet();
            }
            return null;
          });
      racers.add(
          () -> {
            go.await();
            releasedOrReclaimed.addAndGet(store.reclaimExpired(afterLease));
            return null;
          });
      runAll(racers);
    }
    Map<CounterKey, CounterValue> end = store.counters(List.of(user, SYSTEM));
    assertEquals(0, end.get(user).reserved(), "every reservation released once");
    assertEquals(rounds, applied.get() + releasedOrReclaimed.get(), "exactly one settles each");
    // after a reclaim, a commit counts late (once); after a commit or a release, never
    assertTrue(late.get() <= releasedOrReclaimed.get());
    assertEquals(amount * (applied.get() + late.get()), end.get(user).used());
    assertEquals(end.get(user), end.get(SYSTEM));
    assertEquals(0, store.openReservations());
    assertEquals(0, store.openLeases());
  }
}
