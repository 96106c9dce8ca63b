package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deadlock hunt: 16 threads on 2 store instances, each transaction tried once (no retry on a
 * deadlock), reserve and settle one striped counter (with a one-row counter per thread beside it)
 * while its stripes are short, so that consolidation (every stripe locked in order) keeps racing
 * fast reserves and settlements on single stripes. Commits above the reserved amount make
 * settlements consolidate too. No call may fail; afterwards, with amounts that divide the limit,
 * the counter is filled exactly to its limit and equals the sum of the commits.
 */
class StripesDeadlockHuntTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  static final Instant END = Instant.parse("2026-11-25T11:00:00Z");
  static final int THREADS = 16;

  abstract static class Hunt {
    abstract TestDatabase.Kind kind();

    @ParameterizedTest(name = "{0} stripes")
    @ValueSource(ints = {4, 16})
    void consolidationRacingReservesAndCommitsNeverDeadlocksAndFillsTheLimitExactly(int stripes)
        throws Exception {
      try (TestDatabase db = TestDatabase.open(kind(), THREADS * 2 + 4)) {
        db.freshStore().close();
        try (JdbcQuotaStore a =
                JdbcQuotaStore.builder()
                    .dataSource(db.dataSource)
                    .tablePrefix(db.prefix)
                    .maxAttempts(1)
                    .build();
            JdbcQuotaStore b =
                JdbcQuotaStore.builder()
                    .dataSource(db.dataSource)
                    .tablePrefix(db.prefix)
                    .maxAttempts(1)
                    .build()) {
          // chaos: overshooting commits, releases, a limit far below demand
          CounterKey chaos = new CounterKey("system-chaos", SubjectRef.SYSTEM, T0);
          run(a, b, chaos, stripes, 2_000, true);
          // exactness: amounts of 5 against a limit of 2,000, commits of what was reserved
          CounterKey exact = new CounterKey("system-exact", SubjectRef.SYSTEM, T0);
          AtomicLong committed = run(a, b, exact, stripes, 2_000, false);
          CounterValue v = a.counters(List.of(exact), T0).get(exact);
          assertEquals(new CounterValue(2_000, 0), v, "filled exactly, nothing left reserved");
          assertEquals(2_000, committed.get(), "counter == sum of commits");
        }
      }
    }

    /**
     * Runs the threads until each has been denied 20 times in a row; returns what they committed.
     */
    private AtomicLong run(
        JdbcQuotaStore a, JdbcQuotaStore b, CounterKey key, int stripes, long limit, boolean chaos)
        throws Exception {
      AtomicLong committed = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        JdbcQuotaStore store = t % 2 == 0 ? a : b;
        CounterKey user = new CounterKey("user-" + key.limitId(), SubjectRef.user("u" + t), T0);
        String prefix = key.limitId() + "-" + t + "-";
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  ThreadLocalRandom rnd = ThreadLocalRandom.current();
                  int deniedInARow = 0;
                  for (int i = 0; deniedInARow < 20 && i < 2_000; i++) {
                    long amount = chaos ? 1 + rnd.nextInt(300) : 5;
                    String id = prefix + i;
                    List<Charge> charges =
                        List.of(
                            new Charge(key, amount, limit, Admission.FIT, END, stripes),
                            new Charge(user, 1, 1_000_000, Admission.FIT, END));
                    ReserveResult r = store.reserve(id, charges, T0, T0.plusSeconds(600));
                    if (!(r instanceof ReserveResult.Granted)) {
                      deniedInARow++;
                      continue;
                    }
                    deniedInARow = 0;
                    if (chaos && rnd.nextInt(4) == 0) {
                      boolean unused =
                          store.release(
                              id,
                              UsageEvent.builder(
                                      "rel-" + id, T0, EventStatus.RELEASED, SubjectRef.SYSTEM)
                                  .reservationId(id)
                                  .build());
                      continue;
                    }
                    long actual = chaos ? rnd.nextInt((int) amount * 2) : amount;
                    var unused =
                        store.commit(
                            id,
                            List.of(
                                new Charge(key, actual, limit, Admission.ALWAYS, END, stripes),
                                new Charge(user, 1, 1_000_000, Admission.ALWAYS, END)),
                            UsageEvent.builder(
                                    "e-" + id, T0, EventStatus.SUCCESS, SubjectRef.SYSTEM)
                                .reservationId(id)
                                .inputTokens(actual)
                                .build());
                    committed.addAndGet(actual);
                  }
                  return null;
                }));
      }
      start.countDown();
      pool.shutdown();
      assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "threads finished");
      for (Future<?> f : done) {
        f.get(); // a deadlock or lock timeout (no retries) fails here
      }
      CounterValue v = a.counters(List.of(key), T0).get(key);
      assertEquals(committed.get(), v.used(), "counter == sum of commits");
      assertEquals(0, v.reserved(), "nothing left reserved");
      return committed;
    }
  }

  @Nested
  class OnH2 extends Hunt {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }
  }

  @Nested
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  class OnPostgres extends Hunt {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  @Nested
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  class OnMariaDb extends Hunt {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
