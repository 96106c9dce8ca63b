package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailMode;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageJournal;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.SubjectRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database is unreachable for {@value #OUTAGE_SECONDS} seconds in the middle of a
 * multi-threaded run. Two managers, each with the pool a {@link JdbcQuotaStore} builds from a URL
 * (default settings) and tables of its own, reach the database through one {@link TcpProxy}, which
 * cuts every connection and refuses new ones, then listens again. {@value #THREADS} threads per
 * manager reserve, commit, fail and release without pause throughout.
 *
 * <ul>
 *   <li>{@link FailMode#FAIL_CLOSED}: callers get only {@link QuotaStoreUnavailableException} or
 *       ordinary denials, each within the pool's connection timeout; admission resumes by itself; a
 *       commit that failed is retried once the database is back (it is idempotent), and then the
 *       ledger holds exactly the commits callers saw succeed, the counters equal the ledger, a
 *       tight limit was never passed, and once leases are reclaimed nothing stays reserved.
 *   <li>{@link FailMode#FAIL_OPEN} with a file journal: callers are admitted throughout; after
 *       recovery and {@link QuotaManager#replayPending()} the ledger holds every commit once, the
 *       counters equal it, and replaying a copy of the journal taken during the outage changes
 *       nothing.
 * </ul>
 *
 * <p>Real time cannot be avoided: the outage lasts {@value #OUTAGE_SECONDS} seconds of wall clock
 * while the threads keep calling. Phases are driven by latches (every thread warmed up, every
 * thread saw the outage, every thread admitted through the store again), each with a deadline.
 */
abstract class OutageTestBase {
  static final int OUTAGE_SECONDS = 30;
  static final int THREADS = 4;
  static final long TIGHT_LIMIT = 200;
  static final int LLM_CALL_MILLIS = 100;
  static final String LIMIT = "user-daily-tokens";

  /** What the pool built from a URL waits for a connection by default. */
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;

  abstract TestDatabase.Kind kind();

  static QuotaPolicy policy() {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, 1_000_000_000L))
                .build())
        .plan(
            Plan.builder("tight")
                .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, TIGHT_LIMIT))
                .build())
        .build();
  }

  enum Phase {
    BEFORE,
    CUT,
    RESTORED
  }

  /** One manager, its callers, and what they saw. */
  static final class Side {
    final String name;
    final FailMode mode;
    final TestDatabase db;
    final JdbcQuotaStore store;
    final QuotaManager manager;
    final Map<String, Long> committed = new ConcurrentHashMap<>();
    final Queue<String> errors = new ConcurrentLinkedQueue<>();
    final Queue<Retry> retries = new ConcurrentLinkedQueue<>();
    final AtomicInteger denials = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger detached = new AtomicInteger();
    final AtomicInteger failOpenHeard = new AtomicInteger();
    final Queue<Long> outageLatencyNanos = new ConcurrentLinkedQueue<>();
    final CountDownLatch warmedUp = new CountDownLatch(THREADS);
    final CountDownLatch sawOutage = new CountDownLatch(THREADS);
    final CountDownLatch resumed = new CountDownLatch(THREADS);
    final AtomicLong firstResumeNanos = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong lastResumeNanos = new AtomicLong();

    Side(String name, FailMode mode, TestDatabase db, JdbcQuotaStore store, Path journal) {
      this.name = name;
      this.mode = mode;
      this.db = db;
      this.store = store;
      QuotaManager.Builder b =
          QuotaManager.builder()
              .store(store)
              .policy(policy())
              .failMode(mode)
              .defaultLogging(false)
              .listener(
                  new QuotaListener() {
                    @Override
                    public void onFailOpenAdmission(
                        UsageRequest request, QuotaStoreUnavailableException cause) {
                      failOpenHeard.incrementAndGet();
                    }
                  });
      if (mode == FailMode.FAIL_OPEN) {
        b.journal(UsageJournal.file(journal));
      }
      this.manager = b.build();
    }
  }

  /** A commit that failed in FAIL_CLOSED, to be retried once the database is back. */
  record Retry(Reservation reservation, Usage usage, boolean failed) {}

  private volatile Phase phase = Phase.BEFORE;
  private volatile boolean stop;
  private volatile long restoredAt;

  /**
   * A host starts while the database is down: with the dialect set and {@link SchemaMode#NONE} the
   * store builds without a connection; FAIL_OPEN admits and journals, FAIL_CLOSED throws; once the
   * database is back both use it and the journal is replayed once. Without the dialect the build
   * itself fails, naming the database.
   */
  @Test
  void aHostStartsWhileTheDatabaseIsDown() throws Exception {
    try (TestDatabase db = TestDatabase.open(kind(), 2);
        TcpProxy proxy = TcpProxy.inFrontOf(db.url)) {
      db.store().close(); // installs the schema
      proxy.cut();
      String url = proxy.rewrite(db.url);
      JdbcDialect dialect =
          kind() == TestDatabase.Kind.POSTGRES ? JdbcDialect.POSTGRESQL : JdbcDialect.MARIADB;
      QuotaStoreUnavailableException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              QuotaStoreUnavailableException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .url(url)
                      .tablePrefix(db.prefix)
                      .connectionTimeout(Duration.ofMillis(500))
                      .build());
      assertTrue(refused.getMessage().contains("127.0.0.1:" + proxy.port()), refused.getMessage());
      try (JdbcQuotaStore store =
          JdbcQuotaStore.builder()
              .url(url)
              .tablePrefix(db.prefix)
              .dialect(dialect)
              .schemaMode(SchemaMode.NONE)
              .connectionTimeout(Duration.ofMillis(500))
              .build()) {
        QuotaManager open =
            QuotaManager.builder()
                .store(store)
                .policy(policy())
                .failMode(FailMode.FAIL_OPEN)
                .storeRetryInterval(Duration.ZERO)
                .journal(UsageJournal.file(dir.resolve("started-during-outage.log")))
                .defaultLogging(false)
                .build();
        QuotaManager closed =
            QuotaManager.builder()
                .store(store)
                .policy(policy())
                .failMode(FailMode.FAIL_CLOSED)
                .defaultLogging(false)
                .build();
        try (Reservation r = open.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
          assertTrue(r.isDetached());
          assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(7, 3)));
        }
        org.junit.jupiter.api.Assertions.assertThrows(
            QuotaStoreUnavailableException.class,
            () -> closed.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10)));

        proxy.restore();
        int left = 1;
        for (int attempt = 0; attempt < 20 && left > 0; attempt++) {
          left = open.replayPending(); // each attempt waits at most the connection timeout
        }
        assertEquals(0, left, "the journal was replayed once the database was back");
        try (Reservation r = closed.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
          assertTrue(!r.isDetached());
          assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(1, 1)));
        }
        assertEquals(0, open.replayPending());
        assertEquals(12, closed.status(SubjectRef.user("u")).limit(LIMIT).orElseThrow().used());
      }
    }
  }

  @Test
  void theDatabaseIsUnreachableForThirtySecondsInTheMiddleOfAMultiThreadedRun() throws Exception {
    Path journalFile = dir.resolve("journal.log");
    try (TestDatabase closedDb = TestDatabase.open(kind(), 2);
        TestDatabase openDb = TestDatabase.open(kind(), 2);
        TcpProxy proxy = TcpProxy.inFrontOf(closedDb.url)) {
      closedDb.store().close(); // installs the schemas
      openDb.store().close();
      Instant start = Instant.now();
      try (JdbcQuotaStore closedStore =
              JdbcQuotaStore.builder()
                  .url(proxy.rewrite(closedDb.url))
                  .tablePrefix(closedDb.prefix)
                  .build();
          JdbcQuotaStore openStore =
              JdbcQuotaStore.builder()
                  .url(proxy.rewrite(openDb.url))
                  .tablePrefix(openDb.prefix)
                  .build()) {
        closedStore.saveSubject(SubjectRecord.create(SubjectRef.user("tight"), "tight", start));
        Side closed = new Side("FAIL_CLOSED", FailMode.FAIL_CLOSED, closedDb, closedStore, null);
        Side open = new Side("FAIL_OPEN", FailMode.FAIL_OPEN, openDb, openStore, journalFile);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
          threads.add(caller(closed, i));
          threads.add(caller(open, i));
        }
        threads.forEach(Thread::start);
        try {
          awaitOrFail(closed.warmedUp, Duration.ofSeconds(60), "warm-up", closed, open);
          awaitOrFail(open.warmedUp, Duration.ofSeconds(60), "warm-up", closed, open);

          phase = Phase.CUT; // first: a failure seen in BEFORE happened before the cut
          proxy.cut();
          long cutAt = System.nanoTime();
          awaitOrFail(closed.sawOutage, Duration.ofSeconds(20), "outage seen", closed, open);
          awaitOrFail(open.sawOutage, Duration.ofSeconds(20), "outage seen", closed, open);
          // the outage lasts its full length while the callers keep calling
          long end = cutAt + TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS);
          while (System.nanoTime() < end && closed.errors.isEmpty() && open.errors.isEmpty()) {
            LockSupport.parkNanos(Math.min(end - System.nanoTime(), 200_000_000L));
          }
          assertTrue(closed.errors.isEmpty(), () -> "FAIL_CLOSED callers saw " + closed.errors);
          assertTrue(open.errors.isEmpty(), () -> "FAIL_OPEN callers saw " + open.errors);
          Files.copy(journalFile, dir.resolve("journal-during-outage.log"));

          proxy.restore();
          restoredAt = System.nanoTime();
          phase = Phase.RESTORED;
          awaitOrFail(closed.resumed, Duration.ofSeconds(30), "resumed", closed, open);
          awaitOrFail(open.resumed, Duration.ofSeconds(30), "resumed", closed, open);
        } finally {
          stop = true;
          for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
          }
        }
        for (Thread t : threads) {
          assertTrue(!t.isAlive(), "caller " + t.getName() + " finished");
        }

        report(closed);
        report(open);
        checkFailClosed(closed);
        checkFailOpen(open, dir.resolve("journal-during-outage.log"));
        System.out.printf(
            "%s outage test: %d s wall time%n",
            kind(), Duration.between(start, Instant.now()).toSeconds());
      }
    }
  }

  private Thread caller(Side side, int index) {
    Thread t = new Thread(() -> callLoop(side, index), side.name + "-" + index);
    t.setDaemon(true);
    return t;
  }

  private void callLoop(Side side, int index) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int successes = 0;
    boolean sawOutage = false;
    boolean resumed = false;
    for (long op = 0; !stop; op++) {
      boolean tight = side.mode == FailMode.FAIL_CLOSED && op % 10 == 9;
      String user = tight ? "tight" : side.name.toLowerCase() + "-" + index;
      long in = rnd.nextLong(1, 100);
      long out = rnd.nextLong(0, 100);
      int kind = (int) (op % 7); // 0: released, 1: failed with billed input, else committed
      Usage actual = kind == 1 ? Usage.of(in, 0) : Usage.of(in, rnd.nextLong(0, out + 1));
      Phase during = phase;
      long t0 = System.nanoTime();
      Reservation held = null;
      try {
        QuotaDecision d =
            side.manager.tryReserve(UsageRequest.forUser(user).estimatedTokens(in, out));
        if (!d.allowed()) {
          side.denials.incrementAndGet();
          if (!tight) {
            side.errors.add("denied " + user + ": " + d.denial().message());
          }
          continue;
        }
        Reservation r = d.reservation();
        held = r;
        if (r.isDetached()) {
          side.detached.incrementAndGet();
        }
        boolean throughStore = !r.isDetached();
        llmCall();
        if (kind == 0) {
          r.close();
        } else {
          Reservation.Outcome o =
              kind == 1 ? r.fail("provider error (test)", actual) : r.commit(actual);
          switch (o) {
            case COMMITTED, COMMITTED_LATE -> side.committed.put(r.id(), actual.totalTokens());
            case PENDING -> {
              throughStore = false;
              if (side.mode == FailMode.FAIL_CLOSED) {
                side.errors.add("PENDING in FAIL_CLOSED");
              }
              side.committed.put(r.id(), actual.totalTokens());
            }
            case ALREADY_DONE -> side.errors.add("ALREADY_DONE on a first commit of " + r.id());
          }
        }
        successes++;
        if (successes == 20) {
          side.warmedUp.countDown();
        }
        if (during == Phase.RESTORED && throughStore && !resumed) {
          resumed = true;
          long now = System.nanoTime();
          side.firstResumeNanos.accumulateAndGet(now - restoredAt, Math::min);
          side.lastResumeNanos.accumulateAndGet(now - restoredAt, Math::max);
          side.resumed.countDown();
        }
        if (during == Phase.CUT && !throughStore && !sawOutage) {
          sawOutage = true; // FAIL_OPEN: admitted without the store
          side.sawOutage.countDown();
        }
        if (during == Phase.CUT) {
          side.outageLatencyNanos.add(System.nanoTime() - t0);
        }
      } catch (QuotaStoreUnavailableException e) {
        side.unavailable.incrementAndGet();
        if (side.mode == FailMode.FAIL_OPEN) {
          side.errors.add("FAIL_OPEN caller got " + e);
        } else if (phase == Phase.BEFORE) {
          side.errors.add("unavailable before the cut: " + e);
        }
        if (held != null && held.isOpen() && kind != 0) {
          side.retries.add(new Retry(held, actual, kind == 1)); // the commit failed
        }
        if (during == Phase.CUT) {
          side.outageLatencyNanos.add(System.nanoTime() - t0);
          if (!sawOutage) {
            sawOutage = true;
            side.sawOutage.countDown();
          }
        }
      } catch (RuntimeException e) {
        side.errors.add(e.toString());
      }
    }
  }

  /**
   * The work a reservation guards: an LLM call, here {@value #LLM_CALL_MILLIS} ms of waiting. Real
   * calls take seconds; without any, {@value #THREADS} fail-open callers would write tens of
   * thousands of journal entries a second during the outage, which no host does.
   */
  private static void llmCall() {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LLM_CALL_MILLIS));
  }

  private static void awaitOrFail(
      CountDownLatch latch, Duration timeout, String what, Side closed, Side open)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (latch.getCount() > 0 && System.nanoTime() < end) {
      assertTrue(closed.errors.isEmpty(), () -> "FAIL_CLOSED callers saw " + closed.errors);
      assertTrue(open.errors.isEmpty(), () -> "FAIL_OPEN callers saw " + open.errors);
      boolean unused = latch.await(100, TimeUnit.MILLISECONDS);
    }
    assertEquals(0, latch.getCount(), what + ": threads still waiting");
  }

  private void report(Side side) {
    List<Long> l = new ArrayList<>(side.outageLatencyNanos);
    l.sort(null);
    long p50 = l.isEmpty() ? 0 : l.get(l.size() / 2);
    long p99 = l.isEmpty() ? 0 : l.get(Math.min(l.size() - 1, l.size() * 99 / 100));
    long max = l.isEmpty() ? 0 : l.get(l.size() - 1);
    System.out.printf(
        "%s %s: %d committed, %d denials, %d unavailable, %d detached; during the outage %d calls,"
            + " latency p50 %d ms, p99 %d ms, max %d ms; first caller through the store %d ms"
            + " after restore, last %d ms%n",
        kind(),
        side.name,
        side.committed.size(),
        side.denials.get(),
        side.unavailable.get(),
        side.detached.get(),
        l.size(),
        p50 / 1_000_000,
        p99 / 1_000_000,
        max / 1_000_000,
        side.firstResumeNanos.get() / 1_000_000,
        side.lastResumeNanos.get() / 1_000_000);
  }

  private void checkFailClosed(Side side) {
    assertTrue(side.errors.isEmpty(), () -> "FAIL_CLOSED callers saw " + side.errors);
    assertTrue(side.unavailable.get() >= THREADS, "every caller met the outage");
    assertEquals(0, side.detached.get());
    assertEquals(0, side.failOpenHeard.get());
    assertTrue(side.denials.get() > 0, "the tight limit denied");
    long maxNanos = side.outageLatencyNanos.stream().mapToLong(Long::longValue).max().orElse(0);
    assertTrue(
        maxNanos < CONNECTION_TIMEOUT.plusSeconds(5).toNanos(),
        () -> "a failing call took " + maxNanos / 1_000_000 + " ms");
    // callers retry their failed commits now that the database is back: commit is idempotent
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (Retry retry : side.retries) {
      Reservation.Outcome o = null;
      while (o == null && System.nanoTime() < deadline) {
        try {
          o =
              retry.failed()
                  ? retry.reservation().fail("provider error (test)", retry.usage())
                  : retry.reservation().commit(retry.usage());
        } catch (QuotaStoreUnavailableException e) {
          // a connection of the pool that died with the outage; the next try gets a new one
        }
      }
      assertTrue(o != null, "retried commit went through");
      // ALREADY_DONE: the first attempt had reached the database before its answer was lost
      side.committed.put(retry.reservation().id(), retry.usage().totalTokens());
    }
    checkLedger(side);
    assertTrue(
        sumOf(side.db, "SELECT SUM(used) FROM %s WHERE subject_id = 'tight'", counters(side))
            <= TIGHT_LIMIT,
        "the tight limit was never passed");
  }

  private void checkFailOpen(Side side, Path copy) throws Exception {
    assertTrue(side.errors.isEmpty(), () -> "FAIL_OPEN callers saw " + side.errors);
    assertEquals(0, side.unavailable.get(), "no FAIL_OPEN caller saw the outage");
    assertEquals(0, side.denials.get());
    assertTrue(side.detached.get() >= THREADS, "callers were admitted during the outage");
    assertTrue(side.failOpenHeard.get() >= side.detached.get(), "listeners heard each one");
    int waiting = side.manager.pendingCount();
    long replayStart = System.nanoTime();
    long deadline = replayStart + TimeUnit.SECONDS.toNanos(60);
    while (side.manager.replayPending() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    System.out.printf(
        "%s FAIL_OPEN: %d entries still waiting after the run, replayed in %d ms%n",
        kind(), waiting, (System.nanoTime() - replayStart) / 1_000_000);
    assertEquals(0, side.manager.replayPending());
    assertEquals(0, side.manager.replayPending(), "replayed twice");
    checkLedger(side);

    Map<String, Long> before = ledger(side);
    long usedBefore = sumOf(side.db, "SELECT SUM(used) FROM %s", counters(side));
    try (UsageJournal again = UsageJournal.file(copy)) {
      int entries = again.pending().size();
      assertTrue(entries > 0, "the journal held usage during the outage");
      QuotaManager m =
          QuotaManager.builder()
              .store(side.store)
              .policy(policy())
              .failMode(FailMode.FAIL_OPEN)
              .journal(again)
              .defaultLogging(false)
              .build();
      assertEquals(0, m.replayPending());
      System.out.printf(
          "%s FAIL_OPEN: replaying the %d entries the journal held during the outage again"
              + " changed nothing%n",
          kind(), entries);
    }
    assertEquals(before, ledger(side), "a second replay adds no ledger row");
    assertEquals(usedBefore, sumOf(side.db, "SELECT SUM(used) FROM %s", counters(side)));
  }

  /**
   * Ledger == what callers saw committed, counters == ledger, and once the leases of reservations
   * whose release was lost are reclaimed, nothing is reserved.
   */
  private void checkLedger(Side side) {
    Map<String, Long> ledger = ledger(side);
    assertEquals(
        side.committed.size(),
        ledger.size(),
        "one ledger row per commit callers saw (" + side.name + ")");
    assertEquals(new HashMap<>(side.committed), ledger, side.name + ": ledger == commits");
    long total = side.committed.values().stream().mapToLong(Long::longValue).sum();
    assertEquals(total, sumOf(side.db, "SELECT SUM(used) FROM %s", counters(side)), side.name);
    int reclaimed = side.store.reclaimExpired(Instant.now().plus(Duration.ofDays(2)));
    System.out.printf(
        "%s %s: %d reservations left by lost releases or lost answers, reclaimed%n",
        kind(), side.name, reclaimed);
    assertEquals(0, sumOf(side.db, "SELECT SUM(reserved) FROM %s", counters(side)));
    assertEquals(
        0, sumOf(side.db, "SELECT COUNT(*) FROM %s", new Tables(side.db.prefix).reservations));
    assertEquals(total, sumOf(side.db, "SELECT SUM(used) FROM %s", counters(side)), side.name);
  }

  private static String counters(Side side) {
    return new Tables(side.db.prefix).counters;
  }

  /** Event id to tokens of every SUCCESS and ERROR row. */
  private static Map<String, Long> ledger(Side side) {
    Map<String, Long> out = new HashMap<>();
    String sql =
        "SELECT event_id, input_tokens + output_tokens FROM "
            + new Tables(side.db.prefix).events
            + " WHERE status IN ('SUCCESS', 'ERROR')";
    try (Connection c = side.db.dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        Long previous = out.put(rs.getString(1), rs.getLong(2));
        assertEquals(null, previous, "event id twice in the ledger: " + rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static long sumOf(TestDatabase db, String template, String table) {
    return db.queryLong("SELECT COALESCE((" + String.format(template, table) + "), 0)");
  }
}
