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
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The connection breaks at each step of an operation in turn (a {@link CountingDataSource} closes
 * it there, as a database that goes away or a socket timeout would), and the message of the {@link
 * QuotaStoreUnavailableException} must say what the caller can know. Before the {@code COMMIT} (or
 * the one statement run in autocommit mode, on PostgreSQL) is sent, nothing was changed; when the
 * connection breaks while that is under way, the database may have applied it, and the message says
 * so and what to do ("retry the commit — it is idempotent"), instead of "nothing was changed".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UnknownOutcomeMessageTestBase {
  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");
  static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");
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

  static UsageEvent event(String id, long tokens) {
    return UsageEvent.builder(id, T0, EventStatus.SUCCESS, U).inputTokens(tokens).build();
  }

  /**
   * Breaks {@code op} at each of its steps; the last step is the {@code COMMIT} or the autocommit
   * statement, whose message must end with {@code whenUnknown}; every earlier one with "nothing was
   * changed".
   */
  void breakEachStep(String what, Runnable setUp, Consumer<JdbcQuotaStore> op, String whenUnknown) {
    counting.failAtStep.set(0);
    db.clean();
    setUp.run();
    counting.reset();
    op.accept(store);
    int steps = counting.statements.get() + counting.commits.get();
    for (int k = 1; k <= steps; k++) {
      counting.failAtStep.set(0);
      db.clean();
      setUp.run();
      counting.reset();
      counting.failAtStep.set(k);
      QuotaStoreUnavailableException e =
          assertThrows(QuotaStoreUnavailableException.class, () -> op.accept(store));
      counting.failAtStep.set(0);
      String m = e.getMessage();
      assertTrue(m.contains("cannot reach the database"), m);
      if (k < steps) {
        assertTrue(m.endsWith("; nothing was changed"), what + " step " + k + ": " + m);
      } else {
        assertTrue(m.endsWith("; " + whenUnknown), what + " step " + k + " (commit): " + m);
      }
    }
    assertEquals(true, steps >= 1);
  }

  @Test
  void commit() {
    breakEachStep(
        "commit",
        () -> {
          var unused = store.reserve("r1", List.of(user(100)), T0, T0.plusSeconds(60));
        },
        s -> {
          var unused = s.commit("r1", List.of(user(80)), event("e1", 80));
        },
        "it may have been applied; retry the commit — it is idempotent");
  }

  @Test
  void reserve() {
    breakEachStep(
        "reserve",
        () -> {},
        s -> {
          var unused = s.reserve("r1", List.of(user(100)), T0, T0.plusSeconds(60));
        },
        "the reservation may have been made: if so, it holds its capacity until its lease ends,"
            + " then it is reclaimed; it is never counted as usage");
  }

  @Test
  void record() {
    breakEachStep(
        "record",
        () -> {},
        s -> {
          var unused = s.record(List.of(user(30)), event("e1", 30));
        },
        "it may have been applied; retry the record with the same event id — it is idempotent");
  }
}
