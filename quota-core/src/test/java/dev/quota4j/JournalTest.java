package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailModeTest.Switchable;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fail-open journal keeps usage across restarts and crashes, and replays it once. */
class JournalTest {
  @TempDir Path dir;

  private static QuotaManager manager(QuotaStoreSwitch store, UsageJournal journal) {
    return QuotaManager.builder()
        .store(store.store)
        .policy(EnvironmentPolicy.from(Map.of()))
        .clock(MutableClock.at("2026-11-25T10:15:00Z"))
        .failMode(FailMode.FAIL_OPEN)
        .journal(journal)
        .defaultLogging(false)
        .build();
  }

  /** A switchable store over an in-memory one. */
  record QuotaStoreSwitch(InMemoryQuotaStore real, Switchable store) {
    static QuotaStoreSwitch create() {
      InMemoryQuotaStore real = new InMemoryQuotaStore();
      return new QuotaStoreSwitch(real, new Switchable(real));
    }
  }

  @Test
  void usageSurvivesARestartAndIsReplayedOnce() {
    Path file = dir.resolve("journal.log");
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    s.store.down = true;
    try (UsageJournal journal = UsageJournal.file(file)) {
      QuotaManager m = manager(s, journal);
      try (Reservation r =
          m.reserve(UsageRequest.forUser("o'neil\t\n").agent("a;b").estimatedTokens(10, 10))) {
        assertEquals(
            Reservation.Outcome.PENDING,
            r.commit(Usage.of(7, 3).withCost(new java.math.BigDecimal("0.000123"))));
      }
      assertTrue(m.record("rec-1", UsageRequest.forUser("u").build(), Usage.of(20, 0)));
      assertEquals(2, m.pendingCount());
    }
    // a new process: same file, store back
    s.store.down = false;
    try (UsageJournal journal = UsageJournal.file(file)) {
      assertEquals(2, journal.pending().size());
      QuotaManager m = manager(s, journal);
      assertEquals(0, m.replayPending());
      assertEquals(0, m.replayPending());
      // replaying an entry twice (a crash after the store write, before markReplayed) counts once
      UsageJournal.Entry again = journal.pending().isEmpty() ? null : journal.pending().get(0);
      assertEquals(null, again);
    }
    List<UsageEvent> events = s.real.findEvents(EventQuery.all(10));
    assertEquals(2, events.size());
    UsageEvent first = events.get(0);
    assertEquals("o'neil\t\n", first.subject().id());
    assertEquals("a;b", first.agent());
    assertEquals(123, first.costMicros());
    assertEquals(30, events.stream().mapToLong(UsageEvent::totalTokens).sum());
    assertEquals(0, UsageJournal.file(file).pending().size());
  }

  @Test
  void aReplayedEntryIsNotCountedTwice() {
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    UsageJournal journal = UsageJournal.inMemory();
    QuotaManager m = manager(s, journal);
    s.store.down = true;
    assertTrue(m.record("r1", UsageRequest.forUser("u").build(), Usage.of(5, 5)));
    UsageJournal.Entry entry = journal.pending().get(0);
    s.store.down = false;
    assertEquals(0, m.replayPending());
    journal.append(entry); // as if markReplayed had been lost in a crash
    assertEquals(0, m.replayPending());
    assertEquals(
        10,
        m.status(SubjectRef.user("u"))
            .limit(EnvironmentPolicy.USER_DAILY_TOKENS)
            .orElseThrow()
            .used());
  }

  @Test
  void aTornLastLineIsIgnored() throws IOException {
    Path file = dir.resolve("torn.log");
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    s.store.down = true;
    try (UsageJournal journal = UsageJournal.file(file)) {
      QuotaManager m = manager(s, journal);
      assertTrue(m.record("r1", UsageRequest.forUser("u").build(), Usage.of(5, 5)));
    }
    Files.writeString(file, "E\tr2\t-\t2026", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (UsageJournal journal = UsageJournal.file(file)) {
      assertEquals(1, journal.pending().size());
    }
  }

  /**
   * A process killed with SIGKILL right after fail-open admissions loses nothing: the parent opens
   * the journal the child wrote and replays every usage once.
   */
  @Test
  void usageSurvivesSigkill() throws Exception {
    Path file = dir.resolve("killed.log");
    Path ready = dir.resolve("ready");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(JournalChild.class.getName());
    cmd.add(file.toString());
    cmd.add(ready.toString());
    cmd.add("25");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(ready) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      child.waitFor(10, TimeUnit.MILLISECONDS);
    }
    assertTrue(Files.exists(ready), () -> "child never got ready: " + output(child));
    new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
    child.waitFor(30, TimeUnit.SECONDS);
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    QuotaStoreSwitch s = QuotaStoreSwitch.create();
    try (UsageJournal journal = UsageJournal.file(file)) {
      assertEquals(25, journal.pending().size());
      QuotaManager m = manager(s, journal);
      assertEquals(0, m.replayPending());
    }
    assertEquals(25, s.real.findEvents(EventQuery.all(100)).size());
    assertEquals(
        25 * 15,
        s.real.findEvents(EventQuery.all(100)).stream().mapToLong(UsageEvent::totalTokens).sum());
  }

  private static String output(Process p) {
    try {
      return new String(p.getInputStream().readNBytes(4000), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** The child: admits while its store is down, then waits to be killed. */
  public static final class JournalChild {
    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      Path ready = Path.of(args[1]);
      int n = Integer.parseInt(args[2]);
      QuotaStoreSwitch s = QuotaStoreSwitch.create();
      s.store.down = true;
      UsageJournal journal = UsageJournal.file(file);
      QuotaManager m = manager(s, journal);
      for (int i = 0; i < n; i++) {
        Reservation r = m.reserve(UsageRequest.forUser("k" + i).estimatedTokens(10, 10));
        Reservation.Outcome o = r.commit(Usage.of(10, 5));
        if (o != Reservation.Outcome.PENDING) {
          throw new IllegalStateException("expected PENDING, got " + o);
        }
      }
      Files.writeString(ready, "ready");
      new java.util.concurrent.CountDownLatch(1).await(5, TimeUnit.MINUTES); // killed long before
    }
  }
}
