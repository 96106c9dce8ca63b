package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota4j.QuotaStoreUnavailableException;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * PostgreSQL's reserve and commit functions (schema V4): the same answers and the same rows as the
 * statement-by-statement path of the other dialects, the fallback for reservations the commit
 * function cannot settle, the upgrade from a schema without them, and exact admission of one hot
 * user under many threads in two store instances, without a deadlock.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresAdmissionFunctionTest {
  static final Instant T0 = Instant.parse("2025-03-01T10:15:30Z");
  static final Instant HOUR = Instant.parse("2025-03-01T10:00:00Z");
  static final Instant DAY = Instant.parse("2025-03-01T00:00:00Z");
  static final SubjectRef U1 = SubjectRef.user("u1");

  static Charge charge(String limit, SubjectRef s, long amount, long max, Admission a) {
    Instant start = limit.contains("daily") ? DAY : HOUR;
    Instant end = start.plus(limit.contains("daily") ? Duration.ofDays(1) : Duration.ofHours(1));
    return new Charge(new CounterKey(limit, s, start), amount, max, a, end);
  }

  static Charge fit(String limit, SubjectRef s, long amount, long max) {
    return charge(limit, s, amount, max, Admission.FIT);
  }

  static UsageEvent event(String id, EventStatus status, SubjectRef s, long in) {
    return UsageEvent.builder(id, T0, status, s).inputTokens(in).provider("p").build();
  }

  /**
   * Every call of a scenario with its answer, then every row of the counters (with the limit in
   * force and the window end), reservations and ledger: what a store's caller and the database can
   * tell apart.
   */
  static List<String> scenario(TestDatabase db, JdbcQuotaStore s) {
    List<String> out = new ArrayList<>();
    Consumer<Object> log = r -> out.add(describe(r));
    Charge a = fit("a-first", U1, 100, 1_000);
    Charge b = fit("b-second", U1, 600, 1_000);
    // granted, then the same id again, even with charges that could never fit: duplicate
    log.accept(s.reserve("r1", List.of(b, a), T0, T0.plusSeconds(60)));
    log.accept(s.reserve("r1", List.of(a), T0, T0.plusSeconds(60)));
    log.accept(s.reserve("r1", List.of(fit("a-first", U1, 5_000, 1_000)), T0, T0.plusSeconds(60)));
    // a-first (first in lock order) fits under a new limit, b-second does not, and c-new is
    // created on the way: all undone, the limit in force too; b-second is reported
    Charge aNewLimit = fit("a-first", U1, 100, 2_000);
    Charge bTooMuch = fit("b-second", U1, 500, 1_000);
    Charge cNew = fit("c-new", U1, 1, 10);
    log.accept(s.reserve("r2", List.of(cNew, bTooMuch, aNewLimit), T0, T0.plusSeconds(60)));
    // a charge that can never fit on a counter that does not exist: no counter is created
    log.accept(s.reserve("r3", List.of(fit("d-never", U1, 11, 10)), T0, T0.plusSeconds(60)));
    // two charges on one counter: each fits alone, not both; the one that missed is reported
    Charge half = fit("e-twice", U1, 6, 10);
    log.accept(s.reserve("r4", List.of(half, half), T0, T0.plusSeconds(60)));
    log.accept(
        s.reserve("r5", List.of(half.withAmount(5), half.withAmount(5)), T0, T0.plusSeconds(60)));
    // soft and "any remaining" charges, and a limit that changed since the counter was made
    Charge soft = charge("f-soft", U1, 700, 500, Admission.ALWAYS);
    Charge any = charge("g-any", U1, 900, 1_000, Admission.ANY_REMAINING);
    log.accept(s.reserve("r6", List.of(any, soft, a.withAmount(1)), T0, T0.plusSeconds(60)));
    log.accept(
        s.reserve("r7", List.of(soft, any, aNewLimit.withAmount(1)), T0, T0.plusSeconds(60)));
    log.accept(s.reserve("r8", List.of(any.withAmount(0)), T0, T0.plusSeconds(60)));
    // commits: applied, again (same and other event id), late after a reclaim, never reserved,
    // naming fewer counters than held, naming one more, after a release
    log.accept(
        s.commit(
            "r1",
            List.of(a.withAmount(80), b.withAmount(700)),
            event("e1", EventStatus.SUCCESS, U1, 80)));
    log.accept(s.commit("r1", List.of(a.withAmount(80)), event("e1", EventStatus.SUCCESS, U1, 80)));
    log.accept(s.commit("r1", List.of(a.withAmount(80)), event("e1b", EventStatus.SUCCESS, U1, 1)));
    log.accept(s.reserve("r9", List.of(a.withAmount(10)), T0, T0.plusSeconds(5)));
    log.accept(s.reclaimExpired(T0.plusSeconds(6)));
    log.accept(s.commit("r9", List.of(a.withAmount(9)), event("e9", EventStatus.SUCCESS, U1, 9)));
    log.accept(
        s.commit(
            "never",
            List.of(fit("h-late", U1, 3, 10), a.withAmount(0)),
            event("en", EventStatus.SUCCESS, U1, 3)));
    log.accept(
        s.commit("r6", List.of(any.withAmount(50)), event("e6", EventStatus.SUCCESS, U1, 50)));
    log.accept(
        s.commit(
            "r7",
            List.of(soft.withAmount(1), any.withAmount(2), aNewLimit.withAmount(3), cNew),
            event("e7", EventStatus.SUCCESS, U1, 6)));
    log.accept(
        s.commit("r5", List.of(half.withAmount(4)), event("e5", EventStatus.SUCCESS, U1, 4)));
    log.accept(s.reserve("r10", List.of(half.withAmount(1)), T0, T0.plusSeconds(60)));
    log.accept(s.release("r10", event("rel10", EventStatus.RELEASED, U1, 0)));
    log.accept(
        s.commit("r10", List.of(half.withAmount(1)), event("e10", EventStatus.SUCCESS, U1, 1)));
    out.addAll(
        rows(
            db,
            "SELECT limit_id, subject_kind, subject_id, window_start, window_end, limit_amount,"
                + " used, reserved FROM "
                + db.prefix
                + "counters ORDER BY limit_id"));
    out.addAll(
        rows(
            db,
            "SELECT reservation_id, charges, lease_until FROM "
                + db.prefix
                + "reservations ORDER BY reservation_id"));
    out.addAll(
        rows(
            db,
            "SELECT event_id, reservation_id, closes_reservation, status, input_tokens FROM "
                + db.prefix
                + "usage_events ORDER BY event_id"));
    return out;
  }

  /** A result with its maps in key order, so that equal results read the same. */
  static String describe(Object r) {
    if (r instanceof ReserveResult.Granted g) {
      return "Granted" + new TreeMap<>(g.unconditional());
    }
    if (r instanceof CommitResult c) {
      return c.status() + " " + new TreeMap<>(c.usedAfter());
    }
    return r.toString();
  }

  static List<String> rows(TestDatabase db, String query) {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(
                  rs.getMetaData().getColumnType(i) == Types.TIMESTAMP
                      ? rs.getObject(i, LocalDateTime.class)
                      : rs.getString(i))
              .append('|');
        }
        out.add(row.toString());
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /**
   * Every edge case of the two functions (duplicate ids, rejections that undo applied charges,
   * created counters and a changed limit, two charges on one counter, soft and "any remaining"
   * charges, repeated, late, unreserved and partial commits, commit after release) gives the same
   * answers and leaves the same rows on PostgreSQL as the statement-by-statement path on H2.
   */
  @Test
  void sameAnswersAndRowsAsTheStatementByStatementPath() {
    List<String> h2;
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.H2, 4);
        JdbcQuotaStore s = db.freshStore()) {
      h2 = scenario(db, s);
    }
    List<String> pg;
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.POSTGRES, 4);
        JdbcQuotaStore s = db.freshStore()) {
      pg = scenario(db, s);
    }
    assertEquals(String.join("\n", h2), String.join("\n", pg));
    // the scenario reaches what it is meant to reach
    String all = String.join("\n", pg);
    assertTrue(all.contains("Duplicate"), all);
    assertTrue(all.contains("APPLIED_LATE"), all);
    assertTrue(all.contains("ALREADY_APPLIED"), all);
    assertTrue(all.contains("rel10|null|r10|RELEASED"), "released, then not committed: " + all);
    assertTrue(
        pg.stream().noneMatch(r -> r.startsWith("d-never|")),
        "no counter is left by a rejected reservation: " + all);
    assertTrue(pg.stream().anyMatch(r -> r.startsWith("c-new|")), "created by the late commit");
  }

  /** The reserve and commit of an admission are one statement each, counted by the data source. */
  @Test
  void reserveAndCommitAreOneStatementEachAndAPartialCommitFallsBackToStatements() {
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.POSTGRES, 4)) {
      db.store().close();
      CountingDataSource ds = new CountingDataSource(db.dataSource);
      try (JdbcQuotaStore s =
          JdbcQuotaStore.builder().dataSource(ds).tablePrefix(db.prefix).build()) {
        Charge user = fit("user-daily", U1, 100, 1_000);
        Charge sys = fit("system-hourly", SubjectRef.SYSTEM, 100, 1_000);
        ds.reset();
        assertInstanceOf(
            ReserveResult.Granted.class,
            s.reserve("r1", List.of(sys, user), T0, T0.plusSeconds(60)));
        assertEquals(1, ds.statements.get());
        assertEquals(1, ds.autocommits.get());
        assertEquals(0, ds.commits.get());
        ds.reset();
        assertEquals(
            new CommitResult(CommitResult.Status.APPLIED, Map.of(user.key(), 90L, sys.key(), 90L)),
            s.commit(
                "r1",
                List.of(user.withAmount(90), sys.withAmount(90)),
                event("e1", EventStatus.SUCCESS, U1, 90)));
        assertEquals(1, ds.statements.get());
        assertEquals(1, ds.autocommits.get());

        // the commit names only one of the two counters held: the function refuses, changing
        // nothing, and the statement-by-statement commit settles both
        assertInstanceOf(
            ReserveResult.Granted.class,
            s.reserve("r2", List.of(sys, user), T0, T0.plusSeconds(60)));
        ds.reset();
        assertEquals(
            new CommitResult(CommitResult.Status.APPLIED, Map.of(user.key(), 100L, sys.key(), 90L)),
            s.commit("r2", List.of(user.withAmount(10)), event("e2", EventStatus.SUCCESS, U1, 10)));
        assertTrue(ds.statements.get() > 1, "fell back: " + ds.statements.get());
        assertEquals(1, ds.commits.get(), "one transaction after the refused call");
        assertEquals(new CounterValue(90, 0), s.counters(List.of(sys.key())).get(sys.key()));
      }
    }
  }

  /**
   * A database installed before V4, with a reservation made by the library of that time (no held
   * arrays): VALIDATE names the missing script; INSTALL adds the functions; the old reservation is
   * committed (the function refuses, the statements do it) and a new one goes through the
   * functions; a dropped function is named by VALIDATE and by the failure of a store that did not
   * validate.
   */
  @Test
  void upgradeFromASchemaWithoutTheFunctions() {
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.POSTGRES, 4)) {
      Sql sql = db.dialect().sql(new Tables(db.prefix));
      List<String> before = new ArrayList<>();
      for (String r : sql.schemaResources()) {
        if (!r.contains("/V4__") && !r.contains("/V5__")) {
          before.addAll(SchemaInstaller.statements(sql, r));
        }
      }
      db.exec(before);
      IllegalStateException missing =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(
          missing.getMessage().contains("missing: V4__quota4j_admission_functions.sql"),
          missing.getMessage());

      // a reservation of 100 made before the upgrade, as that library stored it
      Charge c = fit("user-daily", U1, 100, 1_000);
      db.exec(
          List.of(
              "INSERT INTO "
                  + db.prefix
                  + "counters VALUES ('user-daily', 'USER', 'u1', TIMESTAMP '2025-03-01 00:00:00',"
                  + " TIMESTAMP '2025-03-02 00:00:00', 1000, 0, 100)",
              "INSERT INTO "
                  + db.prefix
                  + "reservations VALUES ('old', 'USER', 'u1', '"
                  + Rows.packCharges(List.of(c))
                  + "', TIMESTAMP '2025-03-01 10:15:30', TIMESTAMP '2025-03-01 10:20:00')"));

      for (int i = 0; i < 2; i++) {
        JdbcQuotaStore.builder()
            .dataSource(db.dataSource)
            .tablePrefix(db.prefix)
            .schemaMode(SchemaMode.INSTALL)
            .build()
            .close();
      }
      try (JdbcQuotaStore s = db.store()) {
        assertEquals(
            new CommitResult(CommitResult.Status.APPLIED, Map.of(c.key(), 70L)),
            s.commit(
                "old", List.of(c.withAmount(70)), event("e-old", EventStatus.SUCCESS, U1, 70)));
        assertEquals(new CounterValue(70, 0), s.counters(List.of(c.key())).get(c.key()));
        assertInstanceOf(
            ReserveResult.Granted.class, s.reserve("new", List.of(c), T0, T0.plusSeconds(60)));
        assertEquals(
            new CommitResult(CommitResult.Status.APPLIED, Map.of(c.key(), 170L)),
            s.commit("new", List.of(c), event("e-new", EventStatus.SUCCESS, U1, 100)));
      }

      // every signature: schema V7 keeps V4's commit next to its own
      db.exec(
          List.of(
              "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc"
                  + " p WHERE p.proname = '"
                  + db.prefix
                  + "commit' AND pg_function_is_visible(p.oid) LOOP EXECUTE 'DROP FUNCTION ' || f;"
                  + " END LOOP; END $$"));
      IllegalStateException dropped =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(
          dropped
              .getMessage()
              .contains(
                  "function "
                      + db.prefix
                      + "commit of schema version "
                      + SchemaInstaller.version(sql)),
          dropped.getMessage());
      try (JdbcQuotaStore s =
          JdbcQuotaStore.builder()
              .dataSource(db.dataSource)
              .tablePrefix(db.prefix)
              .schemaMode(SchemaMode.NONE)
              .build()) {
        assertInstanceOf(
            ReserveResult.Granted.class, s.reserve("r3", List.of(c), T0, T0.plusSeconds(60)));
        QuotaStoreUnavailableException e =
            assertThrows(
                QuotaStoreUnavailableException.class,
                () -> s.commit("r3", List.of(c), event("e3", EventStatus.SUCCESS, U1, 100)));
        assertTrue(e.getMessage().contains("a quota4j function is missing"), e.getMessage());
      }
    }
  }

  /**
   * One hot user, 16 threads in two store instances (as two processes would be), each admission
   * charging the user's daily tokens, daily requests and a soft limit and the system's hourly
   * tokens, given in a different order by each thread; a tenth of the grants are released (the
   * statement-by-statement path, on the same rows), the rest committed at the estimate. No call may
   * hit a deadlock (the stores do not retry: one would fail the test). Then one more thread takes
   * what is left. The user's tokens end exactly at the limit, the requests at the number of
   * commits, nothing is left reserved, and the counters equal the ledger.
   */
  @Test
  void oneHotUserManyThreadsTwoInstancesExactAndNoDeadlock() throws Exception {
    long tokenLimit = 60_000;
    long each = 100;
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.POSTGRES, 8)) {
      db.store().close();
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(db.url);
      config.setMaximumPoolSize(8);
      config.setPoolName("test-" + db.prefix + "-second");
      try (HikariDataSource second = new HikariDataSource(config);
          JdbcQuotaStore one =
              JdbcQuotaStore.builder()
                  .dataSource(db.dataSource)
                  .tablePrefix(db.prefix)
                  .maxAttempts(1)
                  .build();
          JdbcQuotaStore two =
              JdbcQuotaStore.builder()
                  .dataSource(second)
                  .tablePrefix(db.prefix)
                  .maxAttempts(1)
                  .build()) {
        Charge tokens = fit("user-daily-tokens", U1, each, tokenLimit);
        Charge requests = fit("user-daily-requests", U1, 1, 10_000);
        Charge soft = charge("user-daily-soft", U1, each, 1, Admission.ALWAYS);
        Charge system = fit("system-hourly-tokens", SubjectRef.SYSTEM, each, 1_000_000_000L);
        List<Charge> all = List.of(tokens, requests, soft, system);
        AtomicLong committed = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        int threads = 16;
        int attempts = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          JdbcQuotaStore s = t % 2 == 0 ? one : two;
          List<Charge> order = new ArrayList<>(all);
          Collections.rotate(order, t);
          if (t % 3 == 0) {
            Collections.reverse(order);
          }
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < attempts; i++) {
                      String id = "r-" + thread + "-" + i;
                      ReserveResult r = s.reserve(id, order, T0, T0.plusSeconds(600));
                      if (r instanceof ReserveResult.Rejected rej) {
                        assertEquals(tokens.key(), rej.charge().key(), rej.toString());
                        rejected.incrementAndGet();
                      } else if (i % 10 == 3) {
                        assertTrue(s.release(id, event("rel-" + id, EventStatus.RELEASED, U1, 0)));
                      } else {
                        assertEquals(
                            CommitResult.Status.APPLIED,
                            s.commit(id, order, event("e-" + id, EventStatus.SUCCESS, U1, each))
                                .status());
                        committed.incrementAndGet();
                      }
                    }
                    return null;
                  }));
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES));
        for (Future<?> f : futures) {
          f.get(); // a deadlock would surface here as QuotaStoreUnavailableException
        }
        assertTrue(rejected.get() > 0, "demand exceeded the limit");
        // what is left after the last release, taken by one thread
        for (int i = 0; ; i++) {
          String id = "rest-" + i;
          if (!(one.reserve(id, all, T0, T0.plusSeconds(600)) instanceof ReserveResult.Granted)) {
            break;
          }
          assertEquals(
              CommitResult.Status.APPLIED,
              one.commit(id, all, event("e-" + id, EventStatus.SUCCESS, U1, each)).status());
          committed.incrementAndGet();
        }
        Map<CounterKey, CounterValue> v =
            one.counters(List.of(tokens.key(), requests.key(), soft.key(), system.key()));
        assertEquals(tokenLimit / each, committed.get(), "admitted exactly up to the limit");
        assertEquals(new CounterValue(tokenLimit, 0), v.get(tokens.key()));
        assertEquals(new CounterValue(committed.get(), 0), v.get(requests.key()));
        assertEquals(new CounterValue(tokenLimit, 0), v.get(soft.key()), "soft: counted, over");
        assertEquals(new CounterValue(tokenLimit, 0), v.get(system.key()));
        List<UsageEvent> ledger = one.findEvents(EventQuery.all(100_000));
        assertEquals(
            tokenLimit,
            ledger.stream()
                .filter(e -> e.status() == EventStatus.SUCCESS)
                .mapToLong(UsageEvent::inputTokens)
                .sum());
        assertEquals(
            0, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "reservations"), "none left");
      }
    }
  }
}
