package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.examples.ProviderKeys.KeyStatus;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderKeysTest {
  private final Output<ProviderKeys.Result> run = Output.of(ProviderKeys::run);
  private final ProviderKeys.Result r = run.result;

  @Test
  void everyKeyAlertsAt80And90And100PercentInRotationOrder() {
    List<String> expected = new ArrayList<>();
    for (ProviderKeys.Key k : ProviderKeys.KEYS) {
      expected.addAll(List.of(k.name() + "@80", k.name() + "@90", k.name() + "@100"));
    }
    assertEquals(expected, r.alerts(), run.text);
    assertEquals(
        ProviderKeys.KEYS.stream().map(ProviderKeys.Key::name).toList(),
        List.copyOf(r.callsPerKey().keySet()),
        "keys are taken in order, each until it is disabled");
  }

  @Test
  void aKeyAt100PercentIsDisabledAndWhenAllAreTheCallIsDenied() {
    for (KeyStatus s : r.stats()) {
      assertEquals("disabled", s.status(), s.toString());
      assertTrue(s.characters() >= s.quota(), s.toString());
      assertEquals(new BigDecimal("0.0"), s.remainingPercent());
      assertEquals((long) r.callsPerKey().get(s.key()), s.requests());
    }
    assertEquals(14_400, r.stats().get(0).quota());
    assertEquals(30_000, r.stats().get(4).quota());
    assertNotNull(r.allKeysUsedUp());
    assertEquals("DAILY_CHARACTER_QUOTA_EXCEEDED", r.allKeysUsedUp().code());
    assertEquals(SubjectRef.providerKey("huggingface_2"), r.allKeysUsedUp().subject());
    long total = r.stats().stream().mapToLong(KeyStatus::characters).sum();
    assertTrue(total >= 103_200, "the whole daily capacity was used: " + total);
  }

  @Test
  void aNewDayMakesEveryKeyAvailable() {
    for (KeyStatus s : r.nextDay()) {
      assertEquals("available", s.status());
      assertEquals(0, s.characters());
      assertEquals(new BigDecimal("100.0"), s.remainingPercent());
    }
  }

  /** The report's characters per key are the ledger's, summed here from the events. */
  @Test
  void theStatsAreTheLedgerSummedByKey() {
    Map<String, Long> ledger = new HashMap<>();
    for (UsageEvent e :
        r.quotas()
            .store()
            .findEvents(
                new EventQuery(
                    Instant.parse("2026-02-12T00:00:00Z"), r.resetAt(), null, null, 10_000))) {
      if (e.status() == EventStatus.SUCCESS && e.providerKey() != null) {
        ledger.merge(e.providerKey(), e.characters(), Long::sum);
      }
    }
    for (KeyStatus s : r.stats()) {
      assertEquals(ledger.get(s.key()), s.characters(), s.key());
    }
  }

  @Test
  void anOperatorResetsOneKeyThenAllOnce() {
    KeyStatus groq1 = r.afterResetOne().get(0);
    assertEquals("groq_1", groq1.key());
    assertEquals("available", groq1.status());
    assertEquals(0, groq1.characters());
    assertEquals(
        new BigDecimal("100.0"),
        groq1.remainingPercent(),
        "all its characters are back; its request count is only shown, not a quota");
    assertEquals(r.stats().get(0).requests(), groq1.requests(), "only the characters were reset");
    assertEquals("disabled", r.afterResetOne().get(1).status(), "groq_2 was not reset");
    assertEquals("groq_1", r.keyAfterResetOne(), "the first key with room again");
    assertEquals(5, r.keysResetAll());
    assertEquals(0, r.keysResetAllAgain(), "a retried reset with the same id changes nothing");
    for (KeyStatus s : r.afterResetAll()) {
      assertEquals("available", s.status(), s.toString());
      assertEquals(0, s.characters());
      assertEquals(0, s.requests());
    }
    assertEquals(
        1 + 5,
        r.quotas().store().findEvents(EventQuery.all(10_000)).stream()
            .filter(e -> e.status() == EventStatus.ADMIN)
            .count(),
        "one audit event per reset: groq_1, then each of the five keys");
  }

  @Test
  void negativeCountsAreRefusedWithAClearMessage() {
    assertEquals(
        List.of(
            "characters must be zero or more, was -500",
            "characters must be zero or more, was -500"),
        r.refused());
  }
}
