package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.Plan;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.reports.HealthLimit;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
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
    assertTrue(r.migratedFirst());
    assertFalse(r.migratedAgain(), "a retried migration moves nothing twice");
    assertEquals(50, r.userDailyRequestsAfterMigration());
    assertEquals(
        1,
        r.sessionEventsAfterMigration(),
        "the session's ledger moved; what is left is the audit event of its deactivation");
    assertEquals(52, r.userEventsAfterMigration(), "50 messages, the denial, the audit event");
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
    assertEquals(List.of(1, 2, 2), r.syncOutcome(), "attempt 2: 1 new, 2 already");
    assertEquals(1_500 + 1_000 + 2_500, r.dailyTokensAfterSync());
  }

  /**
   * Every limit of u-1001, in its current window, equals what the ledger holds for it: the usage
   * moved from the session included, in the daily and in the monthly limits.
   */
  @Test
  void everyCounterEqualsTheLedgerAfterMigrationCallsAndSync() {
    SubjectRef user = SubjectRef.user("u-1001");
    Instant day = Instant.parse("2026-11-25T00:00:00Z");
    Instant month = Instant.parse("2026-11-01T00:00:00Z");
    Instant end = Instant.parse("2026-12-01T00:00:00Z");
    List<UsageEvent> events =
        r.quotas().store().findEvents(new EventQuery(month, end, user, null, 10_000)).stream()
            .filter(e -> e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR)
            .toList();
    Plan free = r.quotas().policy().plan("free");
    assertEquals(8, r.health().limits().size(), r.health().toString());
    for (HealthLimit h : r.health().limits()) {
      Limit l = free.limit(h.limitName());
      Instant from = l.window() == Window.DAY ? day : month;
      long ledger =
          events.stream()
              .filter(e -> !e.time().isBefore(from))
              .filter(e -> l.models().isEmpty() || l.models().contains(e.model()))
              .filter(e -> l.providers().isEmpty() || l.providers().contains(e.provider()))
              .mapToLong(
                  e ->
                      switch (l.metric()) {
                        case REQUESTS -> 1;
                        case TOKENS -> e.totalTokens();
                        case COST -> e.costMicros();
                        default -> throw new AssertionError(l.metric());
                      })
              .sum();
      assertEquals(ledger, h.used(), h.limitName());
    }
    long dailyTokens =
        r.health().limits().stream()
            .filter(h -> h.limitName().equals("daily-tokens"))
            .findFirst()
            .orElseThrow()
            .used();
    assertTrue(dailyTokens > 8_000 + 5_000, "the session's tokens and the sync's: " + dailyTokens);
    PeriodStats stats =
        UsageReports.of(r.quotas()).periodStats(user, day, day.plus(Duration.ofDays(1)));
    assertEquals(dailyTokens, stats.total().totalTokens(), "the report agrees");
    assertEquals(
        events.stream().filter(e -> !e.time().isBefore(day)).count(),
        stats.total().calls(),
        "the report agrees");
  }

  @Test
  void theHealthSummaryFlagsTheProviderLimitsThatAreUsedUp() {
    assertTrue(run.text.contains("-- u-1001's usage status"), run.text);
    assertEquals(
        List.of(AnonymousAndSignedIn.OPUS_REQUESTS, AnonymousAndSignedIn.ANTHROPIC_COST),
        r.health().alerts().stream().map(HealthLimit::limitName).toList());
    assertFalse(r.health().healthy());
  }
}
