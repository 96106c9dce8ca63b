package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnonymousAndSignedInTest {
  private final Output<AnonymousAndSignedIn.Result> run = Output.of(AnonymousAndSignedIn::run);
  private final AnonymousAndSignedIn.Result r = run.result;

  @Test
  void anonymousSessionsGetFiftyMessagesThenTheSessionMovesToTheUserOnce() {
    assertEquals(50, r.anonymousAdmitted());
    assertEquals("DAILY_REQUEST_QUOTA_EXCEEDED", r.codes().get(0));
    assertEquals(50, r.migratedFirst());
    assertEquals(0, r.migratedAgain(), "a retried migration moves nothing twice");
    assertEquals(50, r.userDailyRequestsAfterMigration());
    assertEquals("USER_INACTIVE", r.codes().get(1), "the migrated session is closed");
  }

  @Test
  void modelAndProviderLimitsDenyOnlyTheirCalls() {
    assertEquals(
        List.of(
            "OK",
            "OK",
            "DAILY_REQUEST_QUOTA_EXCEEDED", // claude-3-opus: 2 a day
            "OK",
            "OK",
            "OK",
            "DAILY_COST_QUOTA_EXCEEDED", // anthropic: $0.05 a day
            "OK"), // other providers go on
        r.codes().subList(2, 10),
        run.text);
    assertTrue(run.text.contains("(daily-claude-3-opus-requests)"));
    assertTrue(run.text.contains("(daily-anthropic-cost)"));
  }

  @Test
  void theCounterTakesTheActualNotTheEstimate() {
    assertTrue(r.estimated() > r.actual(), r.estimated() + " vs " + r.actual());
    assertEquals(r.actual(), r.dailyTokensAfterReconciliation());
    assertTrue(run.text.contains("(ledger: estimated " + r.estimated() + ", used " + r.actual()));
  }

  @Test
  void aRetriedSyncCountsEachTaskOnce() {
    assertArrayEquals(new int[] {1, 2, 2}, r.syncOutcome(), "attempt 2: 1 new, 2 already");
    assertEquals(1_500 + 1_000 + 2_500, r.dailyTokensAfterSync());
  }

  @Test
  void countersEqualTheLedger() {
    List<UsageEvent> events =
        r.quotas()
            .store()
            .findEvents(
                new EventQuery(
                    Instant.parse("2026-11-25T00:00:00Z"),
                    Instant.parse("2026-11-26T00:00:00Z"),
                    SubjectRef.user("u-1001"),
                    null,
                    10_000));
    long ledger =
        events.stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .mapToLong(UsageEvent::totalTokens)
            .sum();
    assertEquals(
        ledger,
        r.quotas().status(SubjectRef.user("u-1001")).limit("daily-tokens").orElseThrow().used());
  }
}
