package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.JournalTest.QuotaStoreSwitch;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged line anywhere in a journal file is reported with the file and its line number and kept
 * aside; every good entry is kept and replayed.
 */
class JournalDamagedLineTest {
  @TempDir Path dir;

  /** Writes {@code n} entries with a down store; returns the file's lines. */
  private List<String> journalWith(Path file, int n) throws IOException {
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    s.store().down = true;
    try (UsageJournal journal = UsageJournal.file(file)) {
      QuotaManager m =
          QuotaManager.builder()
              .store(s.store())
              .policy(EnvironmentPolicy.from(Map.of()))
              .clock(MutableClock.at("2026-11-25T10:15:00Z"))
              .failMode(FailMode.FAIL_OPEN)
              .journal(journal)
              .defaultLogging(false)
              .build();
      for (int i = 0; i < n; i++) {
        assertTrue(m.record("e" + i, UsageRequest.forUser("u").build(), Usage.of(10, 0)));
      }
    }
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  @Test
  void damagedLinesAreSetAsideWithFileAndLineAndTheGoodOnesKept() throws IOException {
    Path file = dir.resolve("journal.log");
    List<String> lines = journalWith(file, 7);
    assertEquals(7, lines.size());
    String bad1 = lines.get(1).replace("\t10\t", "\tten\t"); // NumberFormatException before
    String bad2 = lines.get(3).substring(0, lines.get(3).length() / 2); // too few fields
    String bad3 = "garbage"; // no known prefix
    lines.set(1, bad1);
    lines.set(3, bad2);
    lines.add(5, bad3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String l : lines) {
      out.writeBytes(l.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    out.writeBytes("E\t\u00ff".getBytes(StandardCharsets.ISO_8859_1)); // not UTF-8, not ended
    out.write('\n');
    Files.write(file, out.toByteArray());

    List<String> pendingIds;
    try (UsageJournal journal = UsageJournal.file(file)) {
      pendingIds = journal.pending().stream().map(e -> e.event().eventId()).toList();
      assertEquals(List.of("e0", "e2", "e4", "e5", "e6"), pendingIds);
      List<UsageJournal.SetAside> aside = journal.setAside();
      assertEquals(4, aside.size(), aside.toString());
      int[] lineNumbers = {2, 4, 6, 9};
      for (int i = 0; i < 4; i++) {
        UsageJournal.SetAside a = aside.get(i);
        assertNull(a.eventId());
        assertNull(a.entry());
        assertTrue(a.reason().contains(file.toString()), a.reason());
        assertTrue(a.reason().contains("line " + lineNumbers[i]), a.reason());
      }
      // the good entries replay
      QuotaStoreSwitch s = QuotaStoreSwitch.create();
      QuotaManager m =
          QuotaManager.builder()
              .store(s.store())
              .policy(EnvironmentPolicy.from(Map.of()))
              .clock(MutableClock.at("2026-11-25T10:15:00Z"))
              .failMode(FailMode.FAIL_OPEN)
              .journal(journal)
              .defaultLogging(false)
              .build();
      assertEquals(0, m.replayPending());
      assertEquals(5, s.real().findEvents(EventQuery.all(10)).size());
    }
    // kept aside, byte for byte, in a sibling file; opening again does not report them twice
    byte[] aside = Files.readAllBytes(dir.resolve("journal.log.set-aside"));
    String text = new String(aside, StandardCharsets.ISO_8859_1);
    assertTrue(text.contains(bad1), text);
    assertTrue(text.contains(bad2), text);
    assertTrue(text.contains("\tgarbage\n"), text);
    assertTrue(text.contains("E\t\u00ff"), text);
    try (UsageJournal journal = UsageJournal.file(file)) {
      assertEquals(List.of(), journal.pending());
      assertEquals(4, journal.setAside().size());
    }
  }
}
