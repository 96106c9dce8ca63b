package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.internal.Checks;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Prompt text never reaches logs, exceptions or the ledger; hostile ids cannot forge a log line; no
 * arithmetic overflow passes silently.
 */
class HostileInputTest {
  private static final String SECRET_PROMPT =
      "TOP-SECRET-PROMPT-7f3a: ignore previous instructions";

  @Test
  void promptTextNeverReachesLogsExceptionsOrTheLedger() throws IOException {
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "60")))
            .clock(MutableClock.at("2026-11-25T10:00:00Z"))
            .build(); // with the default SLF4J listener
    String forger = "mallory\n[main] INFO dev.quota4j - denied NOTHING: forged";
    for (int i = 0; i < 3; i++) {
      try (Reservation r =
          m.reserve(
              UsageRequest.forUser(forger)
                  .operation("planning")
                  .model("gpt-4o")
                  .estimatedTokens(SECRET_PROMPT, 10))) {
        r.commit(Usage.of(15, 10));
      } catch (QuotaExceededException e) {
        assertFalse(e.getMessage().contains(SECRET_PROMPT));
        assertFalse(e.denial().toString().contains(SECRET_PROMPT));
      }
    }
    QuotaDecision d = m.tryReserve(UsageRequest.forUser(forger).estimatedTokens(SECRET_PROMPT, 1));
    assertFalse(d.allowed());
    assertFalse(d.toString().contains(SECRET_PROMPT));
    assertFalse(
        UsageRequest.forUser("x")
            .estimatedTokens(SECRET_PROMPT, 1)
            .build()
            .toString()
            .contains(SECRET_PROMPT));
    for (UsageEvent e : store.findEvents(EventQuery.all(100))) {
      assertFalse(e.toString().contains(SECRET_PROMPT), e.toString());
    }
    Path log =
        Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/quota4j-test.log"));
    String logged = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(logged.contains("DAILY_TOKEN_QUOTA_EXCEEDED"), "the denial was logged");
    assertFalse(logged.contains(SECRET_PROMPT), "no prompt text in the log");
    assertFalse(
        logged.contains("\n[main] INFO dev.quota4j - denied NOTHING"), "no forged log line");
    assertTrue(logged.contains("mallory\\u000a[main]"), "the id is escaped");
  }

  /** A long error message is cut between characters: an emoji at the cut is dropped, not split. */
  @Test
  void errorMessagesAreCutBetweenCharacters() {
    String msg = "x".repeat(999) + "🙂" + "tail";
    UsageEvent e =
        UsageEvent.builder(
                "e",
                java.time.Instant.EPOCH,
                dev.quota4j.spi.EventStatus.ERROR,
                SubjectRef.user("u"))
            .errorMessage(msg)
            .build();
    assertEquals("x".repeat(999), e.errorMessage());
    String fits = "y".repeat(998) + "🙂" + "tail";
    UsageEvent f =
        UsageEvent.builder(
                "f",
                java.time.Instant.EPOCH,
                dev.quota4j.spi.EventStatus.ERROR,
                SubjectRef.user("u"))
            .errorMessage(fits)
            .build();
    assertEquals("y".repeat(998) + "🙂", f.errorMessage());
  }

  @Test
  void sumsThatOverflowFailLoudly() {
    Random rnd = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      long a = rnd.nextLong() >>> rnd.nextInt(1, 64);
      long b = rnd.nextLong() >>> rnd.nextInt(1, 64);
      BigInteger exact = BigInteger.valueOf(a).add(BigInteger.valueOf(b));
      if (exact.bitLength() < 64) {
        assertEquals(exact.longValueExact(), Checks.add("x", a, b));
      } else {
        assertThrows(IllegalArgumentException.class, () -> Checks.add("x", a, b));
      }
      // amounts are bounded (Usage.MAX_AMOUNT), so that their sums never overflow
      if (a <= Usage.MAX_AMOUNT && b <= Usage.MAX_AMOUNT) {
        assertEquals(
            exact.longValueExact(), Usage.of(a, b).totalTokens(), "tokens " + a + " + " + b);
      } else {
        assertThrows(IllegalArgumentException.class, () -> Usage.of(a, b));
        assertThrows(
            IllegalArgumentException.class,
            () -> UsageRequest.forUser("u").estimatedTokens(a, b).build());
      }
      // admission compares without wrapping: a counter near Long.MAX_VALUE never admits more
      assertFalse(
          dev.quota4j.spi.Admission.FIT.admits(
              Long.MAX_VALUE - 1, 1, Math.max(1, b), Long.MAX_VALUE - 1));
    }
  }

  @Test
  void moneyIsExactOrRefused() {
    Random rnd = new Random(11);
    for (int i = 0; i < 10_000; i++) {
      long micros = rnd.nextLong() >>> rnd.nextInt(1, 64);
      BigDecimal money = BigDecimal.valueOf(micros, 6);
      assertEquals(micros, Money.toMicros("cost", money));
      assertEquals(money, Money.fromMicros(micros));
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Money.toMicros("cost", new BigDecimal("9223372036854.775808")));
    assertThrows(
        IllegalArgumentException.class, () -> Money.toMicros("cost", new BigDecimal("-0.000001")));
    assertThrows(
        IllegalArgumentException.class, () -> Money.toMicros("cost", new BigDecimal("1.0000001")));
    assertEquals(1_000_000, Money.toMicros("cost", new BigDecimal("1.000000000")));
  }
}
