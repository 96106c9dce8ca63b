package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What no single JVM can show: several processes, each with its own pool and manager, share one
 * database. Children are {@link Worker} processes started on this test's class path.
 */
abstract class MultiProcessTestBase {
  static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  static final int PROCESSES = 3;
  static final int THREADS = 8;

  abstract TestDatabase.Kind kind();

  static Process startWorker(TestDatabase db, String mode, long userLimit, long systemLimit, int n)
      throws IOException {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    List<String> cmd =
        List.of(
            java,
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            Worker.class.getName(),
            mode,
            db.url,
            db.prefix,
            NOW.toString(),
            Long.toString(userLimit),
            Long.toString(systemLimit),
            Integer.toString(n));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  static QuotaManager manager(JdbcQuotaStore store, Instant at, long userLimit, long systemLimit) {
    return QuotaManager.builder()
        .store(store)
        .policy(Worker.policy(userLimit, systemLimit))
        .clock(Clock.fixed(at, ZoneOffset.UTC))
        .defaultLogging(false)
        .recordDenials(false)
        .leaseDuration(Duration.ofMinutes(1))
        .build();
  }

  static LimitStatus status(QuotaManager m, SubjectRef s, String limit) {
    return m.status(s).limit(limit).orElseThrow();
  }

  /**
   * {@value #PROCESSES} processes x {@value #THREADS} threads, started together once every process
   * is ready, reserve and commit random amounts against one user's daily limit and the system's
   * hourly limit until both deny; the tighter limit is filled exactly, the other never passed, and
   * the counters equal the ledger.
   */
  @ParameterizedTest(name = "user limit {0}, system limit {1}")
  @CsvSource({"30000, 20000", "15000, 50000"})
  void processesTogetherNeverPassALimitAndFillTheTighterOneExactly(long userLimit, long systemLimit)
      throws Exception {
    try (TestDatabase db = TestDatabase.open(kind(), 4)) {
      db.store().close(); // installs the schema the workers validate
      List<Process> workers = new ArrayList<>();
      for (int i = 0; i < PROCESSES; i++) {
        workers.add(startWorker(db, "load", userLimit, systemLimit, THREADS));
      }
      List<BufferedReader> readers = new ArrayList<>();
      for (Process p : workers) {
        BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null && !line.equals("READY")) {
          seen.append(line).append('\n');
        }
        assertTrue(line != null, () -> "worker ended before it was ready:\n" + seen);
        readers.add(r);
      }
      for (Process p : workers) { // all ready: start them together
        p.getOutputStream().write("GO\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
      }
      long committed = 0;
      List<String> output = new ArrayList<>();
      for (int i = 0; i < workers.size(); i++) {
        Process p = workers.get(i);
        StringBuilder all = new StringBuilder();
        String read;
        while ((read = readers.get(i).readLine()) != null) {
          all.append(read).append('\n');
        }
        String text = all.toString();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "worker finished");
        output.add(text);
        assertEquals(0, p.exitValue(), () -> "worker failed:\n" + text);
        assertTrue(text.contains("ERRORS 0\n"), () -> "errors reached a caller:\n" + text);
        String line =
            text.lines().filter(l -> l.startsWith("COMMITTED ")).findFirst().orElseThrow();
        long c = Long.parseLong(line.substring("COMMITTED ".length()).trim());
        assertTrue(c > 0, () -> "every process got some capacity:\n" + text);
        committed += c;
        System.out.println("worker committed " + c + " tokens");
      }
      try (JdbcQuotaStore store = db.store()) {
        QuotaManager m = manager(store, NOW, userLimit, systemLimit);
        LimitStatus user = status(m, SubjectRef.user(Worker.USER), "user-daily-tokens");
        LimitStatus system = status(m, SubjectRef.SYSTEM, "system-hourly-tokens");
        long tighter = Math.min(userLimit, systemLimit);
        assertEquals(tighter, committed, () -> "the tighter limit is filled exactly: " + output);
        assertEquals(committed, user.used());
        assertEquals(committed, system.used());
        assertEquals(0, user.reserved());
        assertEquals(0, system.reserved());
        assertTrue(user.used() <= userLimit && system.used() <= systemLimit);
        long ledger =
            db.queryLong(
                "SELECT SUM(input_tokens + output_tokens) FROM "
                    + db.prefix
                    + "usage_events WHERE status = 'SUCCESS'");
        assertEquals(committed, ledger, "counters == ledger");
        assertEquals(
            0, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "reservations"), "no leftovers");
      }
    }
  }

  /**
   * A process killed with SIGKILL while it holds reservations: its capacity stays held until the
   * leases end, then all of it comes back, its commits stay counted once, and nothing else moves.
   */
  @Test
  void aProcessKilledWhileHoldingReservationsGivesItsCapacityBackAfterTheLeases() throws Exception {
    long userLimit = 10_000;
    long systemLimit = 50_000;
    int held = 5;
    try (TestDatabase db = TestDatabase.open(kind(), 4)) {
      db.store().close();
      Process p = startWorker(db, "hold", userLimit, systemLimit, held);
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      StringBuilder seen = new StringBuilder();
      while ((line = lines.readLine()) != null && !line.startsWith("HELD ")) {
        seen.append(line).append('\n');
      }
      assertTrue(line != null, () -> "worker ended before holding:\n" + seen);
      long committedByChild = Long.parseLong(line.split(" ")[1]);
      assertEquals(60 + 61 + 62 + 63 + 64, committedByChild);

      p.destroyForcibly(); // SIGKILL on Linux and macOS
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue(), "killed by signal 9");

      try (JdbcQuotaStore store = db.store()) {
        QuotaManager during = manager(store, NOW.plusSeconds(30), userLimit, systemLimit);
        LimitStatus s = status(during, SubjectRef.user(Worker.USER), "user-daily-tokens");
        assertEquals(committedByChild, s.used());
        assertEquals(held * 100L, s.reserved(), "held until the leases end");
        long rest = userLimit - committedByChild;
        assertFalse(
            during.tryReserve(UsageRequest.forUser(Worker.USER).estimatedTokens(rest, 0)).allowed(),
            "the killed process's reservations still hold capacity during their lease");

        QuotaManager after =
            manager(store, NOW.plus(Duration.ofMinutes(2)), userLimit, systemLimit);
        // this process's clock says the leases ended, the database's does not: another process's
        // holds are judged by the database's clock, so a clock running ahead cannot free them
        assertFalse(
            after.tryReserve(UsageRequest.forUser(Worker.USER).estimatedTokens(rest, 0)).allowed(),
            "a clock ahead of the database's does not end another process's leases");
        assertEquals(
            held * 100L,
            status(after, SubjectRef.user(Worker.USER), "user-daily-tokens").reserved());
        // the database's clock passes the lease ends (as two minutes of waiting would)
        db.exec(
            List.of(
                "UPDATE "
                    + db.prefix
                    + "reservations SET db_lease_until = db_lease_until - INTERVAL '2' MINUTE"));
        // touching the counters reclaims the expired leases lazily; the whole rest fits again
        QuotaDecision d =
            after.tryReserve(UsageRequest.forUser(Worker.USER).estimatedTokens(rest, 0));
        assertTrue(d.allowed(), () -> "all capacity back: " + d);
        try (Reservation r = d.reservation()) {
          r.commit(Usage.of(rest, 0));
        }
        assertEquals(0, after.reclaimExpired(), "nothing left to reclaim, nothing reclaimed twice");
        LimitStatus user = status(after, SubjectRef.user(Worker.USER), "user-daily-tokens");
        LimitStatus system = status(after, SubjectRef.SYSTEM, "system-hourly-tokens");
        assertEquals(userLimit, user.used());
        assertEquals(0, user.reserved());
        assertEquals(userLimit, system.used());
        assertEquals(0, system.reserved());
        assertEquals(
            held,
            db.queryLong(
                "SELECT COUNT(*) FROM " + db.prefix + "usage_events WHERE status = 'EXPIRED'"));
        assertEquals(
            userLimit,
            db.queryLong(
                "SELECT SUM(input_tokens + output_tokens) FROM "
                    + db.prefix
                    + "usage_events WHERE status = 'SUCCESS'"),
            "counters == ledger");
      }
    }
  }
}
