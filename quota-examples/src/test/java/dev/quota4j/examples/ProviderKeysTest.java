package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.examples.ProviderKeys.KeyStatus;
import java.util.ArrayList;
import java.util.List;
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
      assertEquals(0.0, s.remainingPercent());
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
      assertEquals(100.0, s.remainingPercent());
    }
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
