package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.FailModeTest.Switchable;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A usage in the journal that the store refuses (a poison entry) is set aside: kept, reported, and
 * the entries after it replay; the manager does not fall back to fail-open because of it.
 */
class JournalPoisonEntryTest {
  @TempDir Path dir;

  private final InMemoryQuotaStore real = new InMemoryQuotaStore();
  private final Switchable store = new Switchable(real);
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final List<String> setAside = new ArrayList<>();

  private QuotaManager manager(UsageJournal journal) {
    return QuotaManager.builder()
        .store(store)
        .policy(EnvironmentPolicy.from(Map.of("MAX_REQUESTS_PER_USER_PER_DAY", "40")))
        .clock(clock)
        .failMode(FailMode.FAIL_OPEN)
        .storeRetryInterval(Duration.ofSeconds(5))
        .journal(journal)
        .defaultLogging(false)
        .listener(
            new QuotaListener() {
              @Override
              public void onJournalSetAside(UsageEvent event, String reason) {
                setAside.add(event.eventId() + ": " + reason);
              }
            })
        .build();
  }

  @Test
  void aRefusedEntryIsSetAsideAndTheRestReplaysInMemory() {
    check(UsageJournal.inMemory());
  }

  @Test
  void aRefusedEntryIsSetAsideAndTheRestReplaysOnFile() {
    Path file = dir.resolve("journal.log");
    try (UsageJournal journal = UsageJournal.file(file)) {
      check(journal);
    }
    try (UsageJournal again = UsageJournal.file(file)) {
      assertEquals(0, again.pending().size(), "nothing pending after a restart");
      assertEquals(1, again.setAside().size(), "the refused entry is still kept");
      UsageJournal.SetAside kept = again.setAside().get(0);
      assertEquals("poison", kept.eventId());
      assertTrue(kept.reason().contains("overflow"), kept.reason());
      assertEquals("poison", kept.entry().event().eventId());
    }
  }

  private void check(UsageJournal journal) {
    QuotaManager m = manager(journal);
    store.down = true;
    assertTrue(m.record("first", UsageRequest.forUser("u").build(), Usage.of(5, 5)));
    assertTrue(m.record("poison", UsageRequest.forUser("u").build(), Usage.of(7, 0)));
    assertTrue(m.record("last", UsageRequest.forUser("u").build(), Usage.of(1, 1)));
    assertEquals(3, m.pendingCount());
    store.down = false;
    store.refuse.add("poison");
    clock.advance(Duration.ofSeconds(6));

    assertEquals(0, m.replayPending(), "the refused entry does not block the others");
    assertEquals(0, m.pendingCount());
    List<String> ids =
        real.findEvents(EventQuery.all(10)).stream().map(UsageEvent::eventId).sorted().toList();
    assertEquals(List.of("first", "last"), ids);
    assertEquals(1, journal.setAside().size());
    UsageJournal.SetAside kept = journal.setAside().get(0);
    assertEquals("poison", kept.eventId());
    assertTrue(kept.reason().contains("overflow"), kept.reason());
    assertEquals(1, setAside.size());
    assertTrue(setAside.get(0).startsWith("poison: "), setAside.toString());

    // enforcement stays on: every call asks the store, which denies past the 40-a-day limit
    int admitted = 0;
    int detached = 0;
    for (int i = 0; i < 60; i++) {
      QuotaDecision d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1));
      if (d.allowed()) {
        admitted++;
        Reservation r = d.reservation();
        detached += r.isDetached() ? 1 : 0;
        r.commit(Usage.of(1, 1));
      }
    }
    assertEquals(0, detached, "no call was admitted without the store");
    assertEquals(38, admitted, "40 a day, 2 already used by the replay");
  }

  /**
   * Without a call to replayPending: the replay a successful store call starts sets the poison
   * entry aside too, and neither that call nor later ones fall back to fail-open.
   */
  @Test
  void theAutomaticReplayDoesNotSwitchEnforcementOff() {
    UsageJournal journal = UsageJournal.inMemory();
    QuotaManager m = manager(journal);
    store.down = true;
    assertTrue(m.record("poison", UsageRequest.forUser("u").build(), Usage.of(7, 0)));
    assertTrue(m.record("after", UsageRequest.forUser("u").build(), Usage.of(1, 0)));
    store.down = false;
    store.refuse.add("poison");
    clock.advance(Duration.ofSeconds(6));
    int admitted = 0;
    for (int i = 0; i < 60; i++) {
      QuotaDecision d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1));
      if (d.allowed()) {
        Reservation r = d.reservation();
        assertFalse(r.isDetached(), "call " + i + " was admitted without the store");
        admitted++;
        r.commit(Usage.of(1, 1));
      }
    }
    assertEquals(39, admitted, "40 a day, 1 already used by the replayed entry");
    assertEquals(0, m.pendingCount());
    assertEquals(1, journal.setAside().size());
  }
}
