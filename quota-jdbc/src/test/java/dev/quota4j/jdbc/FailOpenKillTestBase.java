package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailMode;
import dev.quota4j.QuotaManager;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageJournal;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process in {@link FailMode#FAIL_OPEN} is killed with SIGKILL after admitting calls while the
 * database was unreachable and before it could replay them. A new manager on the same journal file
 * and the real database replays every usage exactly once, including the commits of reservations the
 * database had granted before the cut (whose held capacity the replay frees at once); a second
 * replay of the same entries changes nothing.
 */
abstract class FailOpenKillTestBase {
  static final int GRANTED = 3;
  static final int DETACHED = 20;
  static final int RECORDS = 2;

  @TempDir Path dir;

  abstract TestDatabase.Kind kind();

  @Test
  void aFailOpenProcessKilledBeforeItsReplayLosesNothing() throws Exception {
    Path journalFile = dir.resolve("journal.log");
    try (TestDatabase db = TestDatabase.open(kind(), 2);
        TcpProxy proxy = TcpProxy.inFrontOf(db.url)) {
      db.store().close(); // installs the schema
      Process child = start(proxy.rewrite(db.url), db.prefix, journalFile);
      Thread watchdog = watchdog(child);
      Map<String, Long> kept = new HashMap<>();
      StringBuilder seen = new StringBuilder();
      try (BufferedReader lines =
              new BufferedReader(
                  new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
          OutputStream toChild = child.getOutputStream()) {
        String line = readUntil(lines, "GRANTED ", seen);
        assertEquals("GRANTED " + GRANTED, line, seen::toString);
        proxy.cut(); // the database goes away under the child's pool
        toChild.write("go\n".getBytes(StandardCharsets.UTF_8));
        toChild.flush();
        while ((line = lines.readLine()) != null && !line.startsWith("JOURNALED ")) {
          seen.append(line).append('\n');
          if (line.startsWith("KEPT ")) {
            String[] f = line.split(" ");
            assertEquals(null, kept.put(f[1], Long.parseLong(f[2])), "one KEPT per id");
          }
        }
        int total = GRANTED + DETACHED + RECORDS;
        assertEquals("JOURNALED " + total + " " + total, line, seen::toString);
        assertEquals(total, kept.size());

        child.destroyForcibly(); // SIGKILL on Linux and macOS
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by signal 9");
      } finally {
        child.destroyForcibly();
        watchdog.interrupt();
      }
      Path copy = dir.resolve("journal-copy.log");
      Files.copy(journalFile, copy);

      long expected = kept.values().stream().mapToLong(Long::longValue).sum();
      try (JdbcQuotaStore store = db.store()) {
        assertEquals(0, used(db), "nothing reached the database during the outage");
        assertEquals(GRANTED * 200L, reserved(db), "the granted reservations still hold");
        assertEquals(Map.of(), ledger(db));
        try (UsageJournal journal = UsageJournal.file(journalFile)) {
          assertEquals(GRANTED + DETACHED + RECORDS, journal.pending().size());
          QuotaManager m = manager(store, journal);
          assertEquals(0, m.replayPending());
          assertEquals(0, m.replayPending(), "replayed twice");
          assertEquals(0, m.pendingCount());
        }
        assertEquals(kept, ledger(db), "every usage once, under its own id");
        assertEquals(expected, used(db));
        assertEquals(0, reserved(db), "the replayed commits freed what their reservations held");
        assertEquals(0, db.queryLong("SELECT COUNT(*) FROM " + new Tables(db.prefix).reservations));

        // the same entries once more, as after a crash between the store write and the journal's
        try (UsageJournal again = UsageJournal.file(copy)) {
          assertEquals(GRANTED + DETACHED + RECORDS, again.pending().size());
          assertEquals(0, manager(store, again).replayPending());
        }
        assertEquals(kept, ledger(db), "a second replay adds nothing");
        assertEquals(expected, used(db));
        QuotaManager m = manager(store, UsageJournal.inMemory());
        assertEquals(
            expected,
            m.status(SubjectRef.user(FailOpenChild.USER))
                .limit(OutageTestBase.LIMIT)
                .orElseThrow()
                .used());
      }
    }
  }

  private static QuotaManager manager(JdbcQuotaStore store, UsageJournal journal) {
    return QuotaManager.builder()
        .store(store)
        .policy(OutageTestBase.policy())
        .failMode(FailMode.FAIL_OPEN)
        .journal(journal)
        .defaultLogging(false)
        .build();
  }

  private static Process start(String url, String prefix, Path journal) throws Exception {
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
            FailOpenChild.class.getName(),
            url,
            prefix,
            journal.toString(),
            Integer.toString(GRANTED),
            Integer.toString(DETACHED),
            Integer.toString(RECORDS));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Kills the child if the test has not within two minutes, so that a hang fails the test. */
  private static Thread watchdog(Process child) {
    Thread t =
        new Thread(
            () -> {
              try {
                if (!child.waitFor(2, TimeUnit.MINUTES)) {
                  child.destroyForcibly();
                }
              } catch (InterruptedException e) {
                // the test is done with the child
              }
            },
            "child-watchdog");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String readUntil(BufferedReader lines, String prefix, StringBuilder seen)
      throws Exception {
    String line;
    while ((line = lines.readLine()) != null && !line.startsWith(prefix)) {
      seen.append(line).append('\n');
    }
    assertTrue(line != null, () -> "child ended before " + prefix + ":\n" + seen);
    return line;
  }

  private static long used(TestDatabase db) {
    return db.queryLong(
        "SELECT COALESCE(SUM(used), 0) FROM "
            + new Tables(db.prefix).counters
            + " WHERE subject_id = '"
            + FailOpenChild.USER
            + "'");
  }

  private static long reserved(TestDatabase db) {
    return db.queryLong(
        "SELECT COALESCE(SUM(reserved), 0) FROM "
            + new Tables(db.prefix).counters
            + " WHERE subject_id = '"
            + FailOpenChild.USER
            + "'");
  }

  /** Event id to tokens of every SUCCESS row. */
  private static Map<String, Long> ledger(TestDatabase db) {
    Map<String, Long> out = new HashMap<>();
    String sql =
        "SELECT event_id, input_tokens + output_tokens FROM "
            + new Tables(db.prefix).events
            + " WHERE status = 'SUCCESS'";
    try (Connection c = db.dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        assertEquals(null, out.put(rs.getString(1), rs.getLong(2)), "event id twice");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
