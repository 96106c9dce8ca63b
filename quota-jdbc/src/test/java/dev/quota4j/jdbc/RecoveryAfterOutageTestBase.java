package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailMode;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * How soon admission resumes once the database accepts connections again, with the pool a {@link
 * JdbcQuotaStore} builds from a URL (default settings) and {@link FailMode#FAIL_CLOSED} callers
 * that keep calling through the outage. A {@link TcpProxy} in front of the real server refuses
 * connections for a few seconds (the server itself is never stopped), then accepts again; each
 * trial times the moment of that {@link TcpProxy#restore()} to the first admission through the
 * store, and to the moment every caller has been admitted again.
 *
 * <p>HikariCP's connection adder sleeps between failed attempts, doubling the sleep up to 5
 * seconds; an outage of {@value #OUTAGE_MILLIS} ms ends about 4 seconds into such a sleep, after
 * which the pool stayed empty (measured: 4.2-4.5 s). The bound asserted here, {@value
 * #BOUND_MILLIS} ms, is twice the 0.5 s the README promises, for a loaded shared machine; the
 * measured distribution (every trial under 0.25 s at a load of 13) is in BENCHMARKS.md, from a run
 * with {@code -Dquota4j.recovery.trials=20}, which also varies the outage from 2 to 8 seconds.
 */
abstract class RecoveryAfterOutageTestBase {
  static final long OUTAGE_MILLIS = 6_000;
  static final long BOUND_MILLIS = 1_000;
  static final int CALLERS = 2;

  abstract TestDatabase.Kind kind();

  private volatile boolean stop;
  private volatile long restoredAt = Long.MAX_VALUE;

  @Test
  void admissionResumesSoonAfterTheDatabaseAcceptsConnectionsAgain() throws Exception {
    int trials = Integer.getInteger("quota4j.recovery.trials", 2);
    boolean vary = trials > 2;
    try (TestDatabase db = TestDatabase.open(kind(), 2);
        TcpProxy proxy = TcpProxy.inFrontOf(db.url)) {
      db.store().close(); // installs the schema
      try (JdbcQuotaStore store =
          JdbcQuotaStore.builder().url(proxy.rewrite(db.url)).tablePrefix(db.prefix).build()) {
        QuotaManager manager =
            QuotaManager.builder()
                .store(store)
                .policy(
                    QuotaPolicy.builder()
                        .plan(
                            Plan.builder("free")
                                .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, 1L << 40))
                                .build())
                        .build())
                .failMode(FailMode.FAIL_CLOSED)
                .defaultLogging(false)
                .build();
        AtomicLong[] firstAfterRestore = new AtomicLong[CALLERS];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
          AtomicLong first = new AtomicLong(Long.MAX_VALUE);
          firstAfterRestore[i] = first;
          String user = "u" + i;
          Thread t = new Thread(() -> callLoop(manager, user, first), "caller-" + i);
          t.setDaemon(true);
          threads.add(t);
        }
        admit(manager, "warm-up"); // the pool is up
        threads.forEach(Thread::start);
        List<String> lines = new ArrayList<>();
        long worstFirst = 0;
        long worstAll = 0;
        try {
          for (int trial = 1; trial <= trials; trial++) {
            long outage = vary ? ThreadLocalRandom.current().nextLong(2_000, 8_001) : OUTAGE_MILLIS;
            restoredAt = Long.MAX_VALUE;
            proxy.cut();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(outage));
            for (AtomicLong f : firstAfterRestore) {
              f.set(Long.MAX_VALUE); // no call gets through while connections are refused
            }
            proxy.restore();
            restoredAt = System.nanoTime();
            long deadline = restoredAt + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && !allSet(firstAfterRestore)) {
              LockSupport.parkNanos(1_000_000);
            }
            assertTrue(allSet(firstAfterRestore), "every caller was admitted again within 20 s");
            long first = Long.MAX_VALUE;
            long all = 0;
            for (AtomicLong f : firstAfterRestore) {
              first = Math.min(first, f.get() - restoredAt);
              all = Math.max(all, f.get() - restoredAt);
            }
            String line =
                String.format(
                    Locale.ROOT,
                    "%s recovery trial %2d: outage %5d ms; first admission %5d ms after the"
                        + " database accepted connections again, every caller %5d ms",
                    kind(),
                    trial,
                    outage,
                    TimeUnit.NANOSECONDS.toMillis(first),
                    TimeUnit.NANOSECONDS.toMillis(all));
            System.out.println(line);
            lines.add(line);
            worstFirst = Math.max(worstFirst, first);
            worstAll = Math.max(worstAll, all);
          }
        } finally {
          stop = true;
          for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%s recovery over %d trials at %s: worst first admission %d ms, worst every caller %d"
                + " ms%n",
            kind(),
            trials,
            Instant.now(),
            TimeUnit.NANOSECONDS.toMillis(worstFirst),
            TimeUnit.NANOSECONDS.toMillis(worstAll));
        long bound = TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        long wf = worstFirst;
        long wa = worstAll;
        assertTrue(wf < bound, () -> "first admission after the outage too late: " + lines);
        assertTrue(wa < bound, () -> "a caller was admitted again too late: " + lines);
      }
    }
  }

  private static boolean allSet(AtomicLong[] values) {
    for (AtomicLong v : values) {
      if (v.get() == Long.MAX_VALUE) {
        return false;
      }
    }
    return true;
  }

  /** Reserves and commits, again and again; notes the first admission after each restore. */
  private void callLoop(QuotaManager manager, String user, AtomicLong firstAfterRestore) {
    while (!stop) {
      try {
        QuotaDecision d = manager.tryReserve(UsageRequest.forUser(user).estimatedTokens(5, 5));
        long now = System.nanoTime();
        if (now >= restoredAt) {
          firstAfterRestore.compareAndSet(Long.MAX_VALUE, now);
        }
        try (Reservation r = d.reservation()) {
          r.commit(Usage.of(3, 2));
        }
      } catch (QuotaStoreUnavailableException e) {
        // the outage; FAIL_CLOSED callers see it and call again
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static void admit(QuotaManager manager, String user) {
    try (Reservation r =
        manager.tryReserve(UsageRequest.forUser(user).estimatedTokens(5, 5)).reservation()) {
      r.commit(Usage.of(3, 2));
    }
  }
}
