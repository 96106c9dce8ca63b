package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.FailMode;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStoreRefusedException;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageJournal;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A usage in the fail-open journal that the database refuses (a counter that would overflow) is set
 * aside and reported; the entries after it replay, and the manager keeps enforcing its limits
 * (before: the entry stayed pending for ever, and every replay of it threw the manager back into
 * unenforced fail-open while the database was up).
 */
abstract class JournalRefusalTestBase {
  static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");

  @TempDir Path dir;

  abstract TestDatabase.Kind kind();

  private static UsageJournal.Entry entry(String id, String user, long tokens) {
    SubjectRef u = SubjectRef.user(user);
    Charge c =
        new Charge(
            new CounterKey(EnvironmentPolicy.USER_DAILY_TOKENS, u, DAY),
            tokens,
            1_000_000,
            Admission.ALWAYS,
            DAY.plusSeconds(86_400));
    return new UsageJournal.Entry(
        List.of(c),
        UsageEvent.builder(id, NOW.minusSeconds(60), EventStatus.SUCCESS, u)
            .inputTokens(10)
            .build());
  }

  @Test
  void anEntryTheDatabaseRefusesIsSetAsideAndEnforcementStaysOn() {
    Path file = dir.resolve("journal.log");
    try (UsageJournal j = UsageJournal.file(file)) {
      j.append(entry("first", "u", 10));
      j.append(entry("poison", "u", Long.MAX_VALUE - 5)); // overflows the counter "first" used
      j.append(entry("last", "u", 10));
    }
    List<String> heard = new ArrayList<>();
    try (TestDatabase db = TestDatabase.open(kind(), 4);
        JdbcQuotaStore store = db.store();
        UsageJournal journal = UsageJournal.file(file)) {
      MutableClock clock = MutableClock.at(NOW.toString());
      QuotaManager m =
          QuotaManager.builder()
              .store(store)
              .policy(EnvironmentPolicy.from(Map.of("MAX_REQUESTS_PER_USER_PER_DAY", "40")))
              .clock(clock)
              .failMode(FailMode.FAIL_OPEN)
              .journal(journal)
              .defaultLogging(false)
              .listener(
                  new QuotaListener() {
                    @Override
                    public void onJournalSetAside(UsageEvent event, String reason) {
                      heard.add(event.eventId());
                    }
                  })
              .build();
      // as after a restart: the first calls' successes replay the journal; the clock stands still,
      // so a call that threw the manager into its outage state would keep it there
      int admitted = 0;
      for (int i = 0; i < 60; i++) {
        QuotaDecision d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1));
        if (d.allowed()) {
          Reservation r = d.reservation();
          assertFalse(r.isDetached(), "call " + i + " was admitted without the database");
          admitted++;
          r.commit(Usage.of(1, 1));
        }
      }
      assertEquals(40, admitted, "40 a day");
      assertEquals(0, m.pendingCount());
      assertEquals(List.of("poison"), heard);
      assertEquals(1, journal.setAside().size());
      UsageJournal.SetAside kept = journal.setAside().get(0);
      assertEquals("poison", kept.eventId());
      assertTrue(kept.reason().contains("QuotaStoreRefusedException"), kept.reason());
      List<String> ids =
          store.findEvents(EventQuery.all(100)).stream().map(UsageEvent::eventId).toList();
      assertTrue(ids.contains("first") && ids.contains("last"), ids.toString());
      assertFalse(ids.contains("poison"), ids.toString());
      assertEquals(
          20 + 40 * 2,
          m.status(SubjectRef.user("u"))
              .limit(EnvironmentPolicy.USER_DAILY_TOKENS)
              .orElseThrow()
              .used());

      // the store itself says "refused", naming the operation, not "unavailable"
      db.exec(
          List.of(
              "UPDATE "
                  + new Tables(db.prefix).counters
                  + " SET used = "
                  + (Long.MAX_VALUE - 5)
                  + " WHERE subject_id = 'u' AND limit_id = '"
                  + EnvironmentPolicy.USER_DAILY_TOKENS
                  + "'"));
      UsageJournal.Entry again = entry("direct", "u", 10);
      QuotaStoreRefusedException e =
          assertThrows(
              QuotaStoreRefusedException.class, () -> store.record(again.charges(), again.event()));
      assertTrue(e.getMessage().contains("record"), e.getMessage());
    }
  }
}
