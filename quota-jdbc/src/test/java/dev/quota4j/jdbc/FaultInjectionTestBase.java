package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The connection breaks at every statement and at the commit of each operation in turn: each time
 * the caller gets {@link QuotaStoreUnavailableException} (never a denial) and the database holds
 * exactly what it held before: nothing is ever partly charged. (On PostgreSQL reserve and commit
 * are one statement in autocommit mode, so there the only step is that statement.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FaultInjectionTestBase {
  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");
  static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");
  static final Instant HOUR = Instant.parse("2026-11-25T10:00:00Z");
  static final SubjectRef U = SubjectRef.user("u");

  TestDatabase db;
  CountingDataSource counting;
  JdbcQuotaStore store;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void open() {
    db = TestDatabase.open(kind(), 4);
    db.store().close();
    counting = new CountingDataSource(db.dataSource);
    store =
        JdbcQuotaStore.builder()
            .dataSource(counting)
            .dialect(db.dialect())
            .tablePrefix(db.prefix)
            .schemaMode(SchemaMode.NONE)
            .build();
  }

  @AfterAll
  void close() {
    if (db != null) {
      db.close();
    }
  }

  static Charge user(long amount) {
    return new Charge(
        new CounterKey("user-daily", U, DAY),
        amount,
        1_000,
        Admission.FIT,
        DAY.plus(Duration.ofDays(1)));
  }

  static Charge system(long amount) {
    return new Charge(
        new CounterKey("system-hourly", SubjectRef.SYSTEM, HOUR),
        amount,
        5_000,
        Admission.FIT,
        HOUR.plus(Duration.ofHours(1)));
  }

  static UsageEvent event(String id, EventStatus s, long tokens) {
    return UsageEvent.builder(id, T0, s, U).inputTokens(tokens).provider("p").build();
  }

  /** Every row of every table, in a fixed order. */
  String snapshot() {
    StringBuilder out = new StringBuilder();
    Tables t = new Tables(db.prefix);
    String[] queries = {
      "SELECT limit_id, subject_id, used, reserved FROM " + t.counters + " ORDER BY limit_id",
      "SELECT reservation_id, lease_until FROM " + t.reservations + " ORDER BY reservation_id",
      "SELECT event_id, status, input_tokens FROM " + t.events + " ORDER BY event_id",
      "SELECT requests, input_tokens FROM " + t.hourly + " ORDER BY requests",
      "SELECT subject_id, plan FROM " + t.subjects + " ORDER BY subject_id"
    };
    try (Connection c = db.dataSource.getConnection();
        Statement st = c.createStatement()) {
      for (String q : queries) {
        try (ResultSet rs = st.executeQuery(q)) {
          int n = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= n; i++) {
              out.append(rs.getString(i)).append('|');
            }
            out.append('\n');
          }
        }
        out.append("--\n");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /**
   * Runs {@code op} once to count its steps, then once per step with the connection breaking there,
   * after {@code setUp} each time.
   */
  void breakEveryStep(String what, Runnable setUp, Consumer<JdbcQuotaStore> op) {
    counting.failAtStep.set(0);
    db.clean();
    setUp.run();
    counting.reset();
    op.accept(store);
    int steps = counting.statements.get() + counting.commits.get();
    assertTrue(
        counting.statements.get() >= 1 && counting.commits.get() + counting.autocommits.get() >= 1,
        what + " takes a statement and a transaction (a commit, or autocommit) at least");
    for (int k = 1; k <= steps; k++) {
      counting.failAtStep.set(0);
      db.clean();
      setUp.run();
      String before = snapshot();
      counting.reset();
      counting.failAtStep.set(k);
      int step = k;
      QuotaStoreUnavailableException e =
          assertThrows(
              QuotaStoreUnavailableException.class,
              () -> op.accept(store),
              () -> what + ": broken at step " + step + " of " + steps);
      assertTrue(e.getMessage().contains("cannot reach the database"), e.getMessage());
      counting.failAtStep.set(0);
      assertEquals(before, snapshot(), what + ": broken at step " + k + " of " + steps);
    }
    counting.failAtStep.set(0);
  }

  @Test
  void reserve() {
    breakEveryStep(
        "reserve",
        () -> {
          var unused = store.record(List.of(user(10)), event("seed", EventStatus.SUCCESS, 10));
        },
        s ->
            assertEquals(
                ReserveResult.Granted.class,
                s.reserve("r1", List.of(user(100), system(100)), T0, T0.plusSeconds(60))
                    .getClass()));
  }

  @Test
  void commit() {
    breakEveryStep(
        "commit",
        () -> {
          var unused = store.reserve("r1", List.of(user(100), system(100)), T0, T0.plusSeconds(60));
        },
        s -> {
          var unused =
              s.commit("r1", List.of(user(80), system(80)), event("e1", EventStatus.SUCCESS, 80));
        });
  }

  @Test
  void release() {
    breakEveryStep(
        "release",
        () -> {
          var unused = store.reserve("r1", List.of(user(100), system(100)), T0, T0.plusSeconds(60));
        },
        s -> assertTrue(s.release("r1", event("e1", EventStatus.RELEASED, 0))));
  }

  @Test
  void record() {
    breakEveryStep(
        "record",
        () -> {},
        s -> {
          var unused =
              s.record(List.of(user(30), system(30)), event("e1", EventStatus.SUCCESS, 30));
        });
  }

  @Test
  void reclaimExpired() {
    breakEveryStep(
        "reclaimExpired",
        () -> {
          var a = store.reserve("r1", List.of(user(100)), T0, T0.plusSeconds(10));
          var b = store.reserve("r2", List.of(user(100), system(5)), T0, T0.plusSeconds(10));
        },
        s -> assertEquals(2, s.reclaimExpired(T0.plusSeconds(20))));
  }
}
