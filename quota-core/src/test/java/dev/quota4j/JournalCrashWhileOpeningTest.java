package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.JournalTest.QuotaStoreSwitch;
import dev.quota4j.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL while it opens (and so rewrites) a 20,000-entry journal loses none
 * of its entries: the rewrite goes to a new file, forced to disk, renamed over the old one.
 */
class JournalCrashWhileOpeningTest {
  static final int ENTRIES = 20_000;
  static final int KILLS = 5;

  @TempDir Path dir;

  @Test
  void aProcessKilledWhileOpeningLosesNoEntry() throws Exception {
    Path file = dir.resolve("journal.log");
    writeJournal(file);
    long full = Files.size(file);
    long[] delaysMs = {0, 2, 5, 15, 40};
    for (int round = 0; round < KILLS; round++) {
      Process child =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-XX:TieredStopAtLevel=1",
                      "-cp",
                      System.getProperty("java.class.path"),
                      Reopener.class.getName(),
                      file.toString()))
              .redirectErrorStream(true)
              .start();
      String why = "after 20 s";
      try {
        // the child opens, and so rewrites, the journal, again and again: kill it when a rewrite
        // shows (the journal shrank, or a new file appeared beside it) and a little later each
        // round, so that the kills land at different moments of the rewrite
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && child.isAlive()) {
          if (size(file) < full) {
            why = "while the journal was shorter than before";
            break;
          }
          if (siblings() > 1) {
            why = "while a new file was being written beside the journal";
            break;
          }
        }
        if (delaysMs[round] > 0) {
          TimeUnit.MILLISECONDS.sleep(delaysMs[round]);
          why += ", " + delaysMs[round] + " ms later";
        }
        child.destroyForcibly(); // SIGKILL on Linux
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(
            137, child.exitValue(), () -> "killed by signal 9; the child said: " + output(child));
      } finally {
        child.destroyForcibly();
      }
      System.out.println("round " + round + ": killed " + why);
      try (UsageJournal j = UsageJournal.file(file)) {
        Set<String> ids = new HashSet<>();
        j.pending().forEach(e -> ids.add(e.event().eventId()));
        for (int i = 0; i < ENTRIES; i++) {
          assertTrue(
              ids.contains("k" + i), "round " + round + ", killed " + why + ": k" + i + " lost");
        }
        // one entry added and replayed, so that the next child's first open rewrites the file
        UsageJournal.Entry e = j.pending().get(0);
        j.append(
            new UsageJournal.Entry(
                e.charges(),
                dev.quota4j.spi.UsageEvent.builder(
                        "z" + round, e.event().time(), e.event().status(), e.event().subject())
                    .build()));
        j.markReplayed("z" + round);
      }
      full = Files.size(file);
    }
  }

  private static String output(Process p) {
    try {
      return new String(p.getInputStream().readNBytes(4000), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      return -1; // between a delete and a rename
    }
  }

  /** Files in the directory other than the journal's lock and set-aside files and one.log. */
  private long siblings() throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".lock") && !n.endsWith(".set-aside") && !n.equals("one.log"))
          .count();
    }
  }

  /**
   * A journal of {@value #ENTRIES} entries, written line by line from one real entry (faster than
   * 20,000 forced appends), plus entries already replayed, so that opening it rewrites it.
   */
  private void writeJournal(Path file) throws Exception {
    Path one = dir.resolve("one.log");
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    s.store().down = true;
    try (UsageJournal journal = UsageJournal.file(one)) {
      QuotaManager m =
          QuotaManager.builder()
              .store(s.store())
              .policy(EnvironmentPolicy.from(Map.of()))
              .clock(MutableClock.at("2026-11-25T10:15:00Z"))
              .failMode(FailMode.FAIL_OPEN)
              .journal(journal)
              .defaultLogging(false)
              .build();
      assertTrue(m.record("TEMPLATE", UsageRequest.forUser("u").build(), Usage.of(10, 5)));
    }
    String template = Files.readAllLines(one, StandardCharsets.UTF_8).get(0);
    assertTrue(template.startsWith("E\tTEMPLATE\t"), template);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < ENTRIES; i++) {
      all.append(template.replace("E\tTEMPLATE\t", "E\tk" + i + "\t")).append('\n');
      if (i % 20 == 0) {
        all.append(template.replace("E\tTEMPLATE\t", "E\tx" + i + "\t")).append('\n');
        all.append("D\tx").append(i).append('\n');
      }
    }
    Files.writeString(file, all.toString(), StandardCharsets.UTF_8);
  }

  /** Opens the journal again and again; each open rewrites it. */
  public static final class Reopener {
    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      for (int i = 0; ; i++) {
        try (UsageJournal j = UsageJournal.file(file)) {
          // one entry added and replayed: the next open has something to drop, so it rewrites
          UsageJournal.Entry e = j.pending().get(0);
          UsageJournal.Entry extra =
              new UsageJournal.Entry(
                  e.charges(),
                  dev.quota4j.spi.UsageEvent.builder(
                          "y" + i, e.event().time(), e.event().status(), e.event().subject())
                      .build());
          j.append(extra);
          j.markReplayed("y" + i);
        }
      }
    }
  }
}
