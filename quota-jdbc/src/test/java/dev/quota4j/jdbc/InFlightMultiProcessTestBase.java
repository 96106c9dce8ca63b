package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageRequest;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An in-flight limit ({@code Limit.inFlight}) shared by several processes, each with its own pool
 * and manager, on one database: never more calls in flight than the limit at any moment, and
 * nothing left held. Children are {@link InFlightWorker} processes started on this class path.
 */
abstract class InFlightMultiProcessTestBase {
  static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  static final int PROCESSES = 3;
  static final int THREADS = 8;
  static final int ITERATIONS = 30;
  static final long LIMIT = 5;

  abstract TestDatabase.Kind kind();

  static Process startWorker(TestDatabase db, String mode, long limit, int threads)
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
            InFlightWorker.class.getName(),
            mode,
            db.url,
            db.prefix,
            NOW.toString(),
            Long.toString(limit),
            Integer.toString(threads),
            Integer.toString(ITERATIONS));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  private static LimitStatus status(QuotaManager m) {
    return m.status(SubjectRef.user(InFlightWorker.USER)).limit(InFlightWorker.LIMIT).orElseThrow();
  }

  /**
   * {@value #PROCESSES} processes x {@value #THREADS} threads, started together, each thread trying
   * {@value #ITERATIONS} calls under a limit of {@value #LIMIT} calls in flight for one user. Every
   * admitted call adds 1 to a shared database row while it is in flight: the highest value any
   * process saw is the most calls in flight at once, and it never passes the limit.
   */
  @Test
  void processesTogetherNeverHaveMoreCallsInFlightThanTheLimit() throws Exception {
    try (TestDatabase db = TestDatabase.open(kind(), 4)) {
      db.store().close(); // installs the schema the workers validate
      String probe = InFlightWorker.probeTable(db.prefix);
      db.exec(
          List.of(
              "CREATE TABLE " + probe + " (id INT PRIMARY KEY, in_flight INT NOT NULL)",
              "INSERT INTO " + probe + " (id, in_flight) VALUES (1, 0)"));
      try {
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < PROCESSES; i++) {
          workers.add(startWorker(db, "load", LIMIT, THREADS));
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
        long max = 0;
        long admitted = 0;
        long denied = 0;
        for (int i = 0; i < workers.size(); i++) {
          Process p = workers.get(i);
          StringBuilder all = new StringBuilder();
          String read;
          while ((read = readers.get(i).readLine()) != null) {
            all.append(read).append('\n');
          }
          String text = all.toString();
          assertTrue(p.waitFor(180, TimeUnit.SECONDS), "worker finished");
          assertEquals(0, p.exitValue(), () -> "worker failed:\n" + text);
          assertTrue(text.contains("ERRORS 0\n"), () -> "errors reached a caller:\n" + text);
          long seen = value(text, "MAX ");
          max = Math.max(max, seen);
          admitted += value(text, "ADMITTED ");
          denied += value(text, "DENIED ");
          System.out.println(
              "in-flight worker: max "
                  + seen
                  + ", admitted "
                  + value(text, "ADMITTED ")
                  + ", denied "
                  + value(text, "DENIED "));
        }
        long peak = max;
        assertTrue(peak <= LIMIT, () -> peak + " calls were in flight at once, limit " + LIMIT);
        assertTrue(peak >= 1 && admitted > 0, "calls were admitted");
        assertTrue(denied > 0, "demand passed the limit, so some calls were denied");
        assertEquals(PROCESSES * THREADS * ITERATIONS, admitted + denied);
        assertEquals(0, db.queryLong("SELECT in_flight FROM " + probe + " WHERE id = 1"));
        try (JdbcQuotaStore store = db.store()) {
          LimitStatus s = status(InFlightWorker.manager(store, NOW, LIMIT));
          assertEquals(0, s.used(), "settled calls leave nothing used");
          assertEquals(0, s.reserved(), "nothing left held");
          assertEquals(
              0,
              db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "reservations"),
              "no leftovers");
          assertEquals(
              admitted,
              db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "usage_events"),
              "one ledger event per admitted call");
        }
      } finally {
        db.exec(List.of("DROP TABLE " + probe));
      }
    }
  }

  /**
   * A process killed with SIGKILL while it has as many calls in flight as the limit allows: the
   * others are denied until the leases end by the database's clock (a clock running ahead does not
   * end them), then every place comes back.
   */
  @Test
  void aKilledProcessesCallsInFlightComeBackWhenTheirLeasesEnd() throws Exception {
    try (TestDatabase db = TestDatabase.open(kind(), 4)) {
      db.store().close();
      Process p = startWorker(db, "hold", LIMIT, (int) LIMIT);
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      StringBuilder seen = new StringBuilder();
      while ((line = lines.readLine()) != null && !line.startsWith("HELD ")) {
        seen.append(line).append('\n');
      }
      assertTrue(line != null, () -> "worker ended before holding:\n" + seen);
      p.destroyForcibly(); // SIGKILL on Linux and macOS
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));

      try (JdbcQuotaStore store = db.store()) {
        QuotaManager during = InFlightWorker.manager(store, NOW.plusSeconds(30), LIMIT);
        assertEquals(LIMIT, status(during).reserved(), "held until the leases end");
        QuotaDecision denied =
            during.tryReserve(UsageRequest.forUser(InFlightWorker.USER).estimatedTokens(1, 1));
        assertFalse(denied.allowed());
        assertEquals(DenialCodes.CONCURRENT_REQUESTS_EXCEEDED, denied.denial().code());

        QuotaManager after = InFlightWorker.manager(store, NOW.plus(Duration.ofMinutes(2)), LIMIT);
        // this process's clock says the leases ended, the database's does not: another process's
        // holds end by the database's clock, so a clock running ahead cannot free them
        assertFalse(
            after
                .tryReserve(UsageRequest.forUser(InFlightWorker.USER).estimatedTokens(1, 1))
                .allowed(),
            "a clock ahead of the database's does not end another process's calls in flight");
        assertEquals(LIMIT, status(after).reserved(), "still held by the database's clock");
        // the database's clock passes the lease ends (as two minutes of waiting would)
        db.exec(
            List.of(
                "UPDATE "
                    + db.prefix
                    + "reservations SET db_lease_until = db_lease_until - INTERVAL '2' MINUTE"));
        List<QuotaDecision> back = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
          QuotaDecision d =
              after.tryReserve(UsageRequest.forUser(InFlightWorker.USER).estimatedTokens(1, 1));
          assertTrue(d.allowed(), () -> "every place back: " + d);
          back.add(d);
        }
        assertFalse(
            after
                .tryReserve(UsageRequest.forUser(InFlightWorker.USER).estimatedTokens(1, 1))
                .allowed(),
            "and no more than the limit");
        back.forEach(d -> d.reservation().close());
        int unused = after.reclaimExpired();
        assertEquals(0, status(after).reserved());
        assertEquals(0, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "reservations"));
      }
    }
  }

  private static long value(String text, String prefix) {
    return Long.parseLong(
        text.lines()
            .filter(l -> l.startsWith(prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + prefix + "in:\n" + text))
            .substring(prefix.length())
            .trim());
  }
}
