package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailMode;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slow database: another session holds the lock on the user's counter row, so the store's
 * statement waits on the server longer than the client's socket timeout ({@value
 * #SOCKET_TIMEOUT_SECONDS} s here). The client gives up; the question is what the server does with
 * the statement afterwards, and whether the exception says so truthfully.
 *
 * <ul>
 *   <li>With the store's server-side statement timeout (by default 80 % of the socket timeout), the
 *       server cancels the statement before the client gives up: once the call has failed, no
 *       statement of the store still runs, nothing lands when the lock is released, the message
 *       says the database cancelled it and nothing was changed, and a retried commit applies.
 *   <li>Without one ({@code statementTimeout(Duration.ZERO)}), the client gives up first; the
 *       message says what is known: on PostgreSQL (one statement in autocommit mode) that the
 *       commit may have been applied and should be retried, which it was and a retry finds; on
 *       MariaDB (a transaction whose {@code COMMIT} was never sent) that nothing was changed.
 * </ul>
 */
abstract class SlowServerTestBase {
  static final int SOCKET_TIMEOUT_SECONDS = 2;
  static final String LIMIT = "user-daily-tokens";

  abstract TestDatabase.Kind kind();

  TestDatabase db;
  Connection locker;

  @BeforeEach
  void open() throws SQLException {
    db = TestDatabase.open(kind(), 2);
    db.store().close(); // installs the schema
    locker = db.dataSource.getConnection();
    locker.setAutoCommit(false);
  }

  @AfterEach
  void close() throws SQLException {
    try {
      locker.rollback();
      locker.close();
    } finally {
      db.close();
    }
  }

  JdbcQuotaStore.Builder storeBuilder() {
    return JdbcQuotaStore.builder()
        .url(db.url)
        .tablePrefix(db.prefix)
        .socketTimeout(Duration.ofSeconds(SOCKET_TIMEOUT_SECONDS));
  }

  /** A store whose statements have no server-side timeout: the client gives up first. */
  JdbcQuotaStore storeWithoutServerTimeout() {
    return storeBuilder().statementTimeout(Duration.ZERO).build();
  }

  static QuotaManager manager(JdbcQuotaStore store) {
    return QuotaManager.builder()
        .store(store)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, 1_000_000))
                        .build())
                .build())
        .failMode(FailMode.FAIL_CLOSED)
        .defaultLogging(false)
        .build();
  }

  /** Another session locks the user's counter rows until {@link #unlock()}. */
  void lockCounters(String user) throws SQLException {
    try (Statement st = locker.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT used FROM "
                    + new Tables(db.prefix).counters
                    + " WHERE subject_id = '"
                    + user
                    + "' FOR UPDATE")) {
      assertTrue(rs.next(), "the counter exists");
    }
  }

  void unlock() throws SQLException {
    locker.commit();
  }

  /** How many statements on this test's tables the server runs now, other than this query. */
  long running() {
    String like = "'%" + db.prefix + "%'";
    return db.queryLong(
        kind() == TestDatabase.Kind.POSTGRES
            ? "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
                + like
                + " AND pid <> pg_backend_pid()"
            : "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                + like
                + " AND ID <> CONNECTION_ID()");
  }

  /** Waits until the server runs no statement of the store (at most 20 s). */
  void awaitNothingRunning() {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (running() > 0 && System.nanoTime() < end) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    assertEquals(0, running(), "the server still runs a statement of the store");
  }

  long ledgerRows(String reservationId) {
    return db.queryLong(
        "SELECT COUNT(*) FROM "
            + new Tables(db.prefix).events
            + " WHERE reservation_id = '"
            + reservationId
            + "' AND status = 'SUCCESS'");
  }

  long counter(String column, String user) {
    return db.queryLong(
        "SELECT COALESCE(SUM("
            + column
            + "), 0) FROM "
            + new Tables(db.prefix).counters
            + " WHERE subject_id = '"
            + user
            + "'");
  }

  long reservations() {
    return db.queryLong("SELECT COUNT(*) FROM " + new Tables(db.prefix).reservations);
  }

  /** One admission, so that the user's counter row exists to be locked. */
  static void admitOnce(QuotaManager m, String user) {
    try (Reservation r = m.reserve(UsageRequest.forUser(user).estimatedTokens(1, 1))) {
      r.commit(Usage.of(1, 1));
    }
  }

  @Test
  void aCommitTheClientGaveUpOnDoesNotLandLater() throws Exception {
    try (JdbcQuotaStore store = storeBuilder().build()) {
      QuotaManager m = manager(store);
      admitOnce(m, "u");
      Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
      lockCounters("u");
      long start = System.nanoTime();
      QuotaStoreUnavailableException e =
          assertThrows(QuotaStoreUnavailableException.class, () -> r.commit(Usage.of(7, 3)));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("%s commit gave up after %d ms: %s%n", kind(), tookMillis, e.getMessage());
      long stillRunning = running();
      unlock();
      awaitNothingRunning();
      assertEquals(0, ledgerRows(r.id()), "the commit the caller was told failed landed later");
      assertEquals(2, counter("used", "u"));
      assertEquals(0, stillRunning, "the server kept running the statement the client gave up on");
      assertTrue(e.getMessage().contains("the database cancelled the statement"), e.getMessage());
      assertTrue(e.getMessage().endsWith("nothing was changed"), e.getMessage());
      assertTrue(
          tookMillis < SOCKET_TIMEOUT_SECONDS * 1000L, "cancelled before the socket timeout");
      assertTrue(tookMillis >= 1_500, "by default the timeout is 80 % of the socket timeout");
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(7, 3)), "the retry applies");
      assertEquals(1, ledgerRows(r.id()));
      assertEquals(12, counter("used", "u"));
    }
  }

  @Test
  void aReserveTheClientGaveUpOnHoldsNothingLater() throws Exception {
    try (JdbcQuotaStore store = storeBuilder().build()) {
      QuotaManager m = manager(store);
      admitOnce(m, "u");
      lockCounters("u");
      QuotaStoreUnavailableException e =
          assertThrows(
              QuotaStoreUnavailableException.class,
              () -> m.tryReserve(UsageRequest.forUser("u").estimatedTokens(100, 100)));
      System.out.printf("%s reserve gave up: %s%n", kind(), e.getMessage());
      long stillRunning = running();
      unlock();
      awaitNothingRunning();
      assertEquals(0, counter("reserved", "u"), "the reserve the caller was told failed holds");
      assertEquals(0, reservations());
      assertEquals(0, stillRunning, "the server kept running the statement the client gave up on");
      assertTrue(e.getMessage().contains("the database cancelled the statement"), e.getMessage());
      assertTrue(e.getMessage().endsWith("nothing was changed"), e.getMessage());
    }
  }

  @Test
  void withoutAServerTimeoutTheMessageSaysWhatIsKnown() throws Exception {
    try (JdbcQuotaStore store = storeWithoutServerTimeout()) {
      QuotaManager m = manager(store);
      admitOnce(m, "u");
      Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
      lockCounters("u");
      QuotaStoreUnavailableException e =
          assertThrows(QuotaStoreUnavailableException.class, () -> r.commit(Usage.of(7, 3)));
      System.out.printf("%s commit without a server timeout: %s%n", kind(), e.getMessage());
      unlock();
      awaitNothingRunning();
      if (kind() == TestDatabase.Kind.POSTGRES) {
        // one statement in autocommit mode: the server finished and committed it
        assertTrue(
            e.getMessage().endsWith("may have been applied; retry the commit — it is idempotent"),
            e.getMessage());
        assertEquals(1, ledgerRows(r.id()), "it was applied");
        assertEquals(Reservation.Outcome.ALREADY_DONE, r.commit(Usage.of(7, 3)));
      } else {
        // a transaction whose COMMIT was never sent: rolled back when the server saw the client go
        assertTrue(e.getMessage().endsWith("nothing was changed"), e.getMessage());
        assertEquals(0, ledgerRows(r.id()), "nothing was applied");
        assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(7, 3)));
      }
      assertEquals(1, ledgerRows(r.id()));
      assertEquals(12, counter("used", "u"));

      // a reserve: on PostgreSQL it may have been made, and then holds until its lease ends
      lockCounters("u");
      Instant before = Instant.now();
      QuotaStoreUnavailableException re =
          assertThrows(
              QuotaStoreUnavailableException.class,
              () -> m.tryReserve(UsageRequest.forUser("u").estimatedTokens(100, 100)));
      System.out.printf("%s reserve without a server timeout: %s%n", kind(), re.getMessage());
      unlock();
      awaitNothingRunning();
      if (kind() == TestDatabase.Kind.POSTGRES) {
        assertTrue(
            re.getMessage()
                .endsWith(
                    "the reservation may have been made: if so, it holds its capacity until its"
                        + " lease ends, then it is reclaimed; it is never counted as usage"),
            re.getMessage());
        assertEquals(200, counter("reserved", "u"), "it was made");
        assertEquals(1, store.reclaimExpired(before.plus(Duration.ofDays(1))));
      } else {
        assertTrue(re.getMessage().endsWith("nothing was changed"), re.getMessage());
      }
      assertEquals(0, counter("reserved", "u"));
      assertEquals(0, reservations());
    }
  }
}
