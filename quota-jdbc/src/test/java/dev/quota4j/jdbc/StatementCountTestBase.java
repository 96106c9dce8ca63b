package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Counts what one admission costs, with a {@link CountingDataSource} between the store and the
 * database: statements sent and transactions committed for a reserve and for a commit of a typical
 * call (a user's daily limit and the system's hourly limit, counters already there). The figures of
 * each dialect are asserted, so that a change that adds a round trip shows up here, and written to
 * {@code target/statement-counts.txt} for BENCHMARKS.md.
 */
abstract class StatementCountTestBase {
  static final Instant T0 = Instant.parse("2026-11-25T10:15:00Z");
  static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");
  static final Instant HOUR = Instant.parse("2026-11-25T10:00:00Z");

  abstract TestDatabase.Kind kind();

  /**
   * Expected statements: reserve, commit, reserve that creates both counters, rejection while a
   * reservation holds the counter (expired leases are looked for), rejection with nothing held.
   */
  abstract int[] expectedStatements();

  static Charge charge(String limit, SubjectRef s, Instant start, Duration length, long amount) {
    return new Charge(
        new CounterKey(limit, s, start), amount, 1_000_000, Admission.FIT, start.plus(length));
  }

  /**
   * What reached the database: statements, {@code commit()} calls, statements run in autocommit
   * mode (each a transaction the database commits by itself), rollbacks and connections.
   */
  record Cost(int statements, int commits, int autocommits, int rollbacks, int connections) {
    /** Transactions committed: by {@code commit()} or in autocommit mode. */
    int transactions() {
      return commits + autocommits;
    }

    @Override
    public String toString() {
      return statements
          + " statements, "
          + transactions()
          + " transactions ("
          + commits
          + " commits, "
          + autocommits
          + " in autocommit mode), "
          + rollbacks
          + " rollbacks";
    }
  }

  static Cost measure(CountingDataSource ds, Runnable r) {
    ds.reset();
    r.run();
    return new Cost(
        ds.statements.get(),
        ds.commits.get(),
        ds.autocommits.get(),
        ds.rollbacks.get(),
        ds.connections.get());
  }

  @Test
  void oneTransactionAndFewStatementsPerReserveAndPerCommit() throws IOException {
    try (TestDatabase db = TestDatabase.open(kind(), 2)) {
      db.store().close();
      CountingDataSource ds = new CountingDataSource(db.dataSource);
      try (JdbcQuotaStore store =
          JdbcQuotaStore.builder().dataSource(ds).tablePrefix(db.prefix).build()) {
        SubjectRef u = SubjectRef.user("u1");
        Charge user = charge("user-daily-tokens", u, DAY, Duration.ofDays(1), 150);
        Charge system =
            charge("system-hourly-tokens", SubjectRef.SYSTEM, HOUR, Duration.ofHours(1), 150);

        Cost firstReserve =
            measure(
                ds,
                () ->
                    assertInstanceOf(
                        ReserveResult.Granted.class,
                        store.reserve("r0", List.of(user, system), T0, T0.plusSeconds(60))));
        Cost reserve =
            measure(
                ds,
                () ->
                    assertInstanceOf(
                        ReserveResult.Granted.class,
                        store.reserve("r1", List.of(user, system), T0, T0.plusSeconds(60))));
        Cost commit =
            measure(
                ds,
                () ->
                    assertEquals(
                        CommitResult.Status.APPLIED,
                        store
                            .commit(
                                "r1",
                                List.of(user.withAmount(120), system.withAmount(120)),
                                UsageEvent.builder("e1", T0, EventStatus.SUCCESS, u)
                                    .inputTokens(100)
                                    .outputTokens(20)
                                    .provider("openai")
                                    .model("gpt-4o")
                                    .operation("planning")
                                    .build())
                            .status()));
        // 120 used, 150 held by r0: fits only if r0's lease had ended, so expired leases are
        // looked for; 999,999 would not fit even then, so they are not
        Charge nearly = user.withAmount(999_800);
        Charge huge = user.withAmount(999_999);
        Cost rejected =
            measure(
                ds,
                () ->
                    assertInstanceOf(
                        ReserveResult.Rejected.class,
                        store.reserve("r2", List.of(nearly, system), T0, T0.plusSeconds(60))));
        Cost rejectedHopeless =
            measure(
                ds,
                () ->
                    assertInstanceOf(
                        ReserveResult.Rejected.class,
                        store.reserve("r2b", List.of(huge, system), T0, T0.plusSeconds(60))));

        assertTrue(
            store.release("r0", UsageEvent.builder("rel0", T0, EventStatus.RELEASED, u).build()));
        Cost rejectedNothingHeld =
            measure(
                ds,
                () ->
                    assertInstanceOf(
                        ReserveResult.Rejected.class,
                        store.reserve("r3", List.of(huge, system), T0, T0.plusSeconds(60))));

        // the same through the manager, as a host calls it (subject and counters already there)
        QuotaManager m = MultiProcessTestBase.manager(store, T0, 1_000_000, 1_000_000);
        try (Reservation r = m.reserve(UsageRequest.forUser("u2").estimatedTokens(100, 50))) {
          r.commit(Usage.of(80, 40));
        }
        Reservation[] held = new Reservation[1];
        Cost managerReserve =
            measure(
                ds, () -> held[0] = m.reserve(UsageRequest.forUser("u2").estimatedTokens(100, 50)));
        Cost managerCommit = measure(ds, () -> held[0].commit(Usage.of(80, 40)));

        // wall time of reserve + commit, one thread, for orientation only (not asserted)
        int rounds = 300;
        ds.reset();
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
          String id = "t" + i;
          ReserveResult granted = store.reserve(id, List.of(user, system), T0, T0.plusSeconds(60));
          assertInstanceOf(ReserveResult.Granted.class, granted);
          var unused =
              store.commit(
                  id,
                  List.of(user.withAmount(1), system.withAmount(1)),
                  UsageEvent.builder("te" + i, T0, EventStatus.SUCCESS, u).inputTokens(1).build());
        }
        long micros = (System.nanoTime() - start) / 1_000 / rounds;
        double statementsPerAdmission = ds.statements.get() / (double) rounds;
        double commitsPerAdmission = (ds.commits.get() + ds.autocommits.get()) / (double) rounds;

        assertEquals(1, reserve.transactions(), "reserve is one transaction");
        assertEquals(1, commit.transactions(), "commit is one transaction");
        assertEquals(0, reserve.rollbacks());
        assertEquals(0, commit.rollbacks());
        int[] expected = expectedStatements();
        assertEquals(expected[0], reserve.statements(), "statements per reserve");
        assertEquals(expected[1], commit.statements(), "statements per commit");
        assertEquals(expected[2], firstReserve.statements(), "statements per first reserve");
        assertEquals(expected[3], rejected.statements(), "statements per rejection");
        assertEquals(
            expected[4], rejectedNothingHeld.statements(), "statements per rejection, none held");
        assertEquals(
            1,
            rejectedNothingHeld.transactions() + rejectedNothingHeld.rollbacks(),
            "nothing held, nothing to reclaim: one transaction, committed or rolled back");
        assertTrue(
            rejectedNothingHeld.statements() < rejected.statements(),
            "no look for expired leases: " + rejectedNothingHeld + " vs " + rejected);
        assertEquals(
            rejectedNothingHeld.toString(),
            rejectedHopeless.toString(),
            "a charge too big even with nothing held: no look for expired leases either");

        String report =
            String.format(
                "%s%n  store.reserve (2 charges): %s%n  store.commit (2 charges): %s%n"
                    + "  store.reserve creating both counters: %s%n"
                    + "  store.reserve rejected: %s%n"
                    + "  store.reserve rejected, nothing held: %s%n"
                    + "  QuotaManager.reserve: %s, %d connections%n"
                    + "  Reservation.commit: %s, %d connections%n"
                    + "  %d x (store.reserve + store.commit), one thread: %.1f statements and"
                    + " %.1f transactions per admission, %d us per admission%n",
                store.dialect().displayName(),
                reserve,
                commit,
                firstReserve,
                rejected,
                rejectedNothingHeld,
                managerReserve,
                managerReserve.connections(),
                managerCommit,
                managerCommit.connections(),
                rounds,
                statementsPerAdmission,
                commitsPerAdmission,
                micros);
        System.out.print(report);
        Files.writeString(
            Path.of("target", "statement-counts.txt"),
            report,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
    }
  }
}
