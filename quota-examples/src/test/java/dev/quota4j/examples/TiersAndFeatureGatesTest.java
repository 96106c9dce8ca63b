package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.QuotaDenial;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.UsageLevel;
import dev.quota4j.reports.StatsRow;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runs the example once and checks what it printed and returned. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TiersAndFeatureGatesTest {
  private final Output<TiersAndFeatureGates.Result> run = Output.of(TiersAndFeatureGates::run);
  private final TiersAndFeatureGates.Result r = run.result;

  @Test
  void warnsAt75And90And100PercentOnceEach() {
    assertEquals(
        List.of(75, 90, 100), r.thresholds().stream().map(ThresholdEvent::percent).toList());
    assertEquals(
        List.of(UsageLevel.WARNING, UsageLevel.CRITICAL, UsageLevel.EXCEEDED),
        r.thresholds().stream().map(ThresholdEvent::level).toList());
    for (ThresholdEvent e : r.thresholds()) {
      assertEquals(TiersAndFeatureGates.MONTHLY_TOKENS, e.limitName());
      assertEquals(10_000, e.limit());
      assertTrue(e.used() * 100 >= e.limit() * e.percent(), e.toString());
    }
    assertTrue(run.text.contains("analytics event quota_critical: user:'ana'"), run.text);
  }

  @Test
  void theFreeMonthEndsThenPremiumOnlyIsDeniedWithUpgradeHint() {
    QuotaDenial month = r.denials().get(0);
    assertEquals("MONTHLY_TOKEN_QUOTA_EXCEEDED", month.code());
    assertEquals(0, month.remaining());
    assertTrue(month.used() >= 10_000, "the last admitted call used what was left and more");
    assertEquals("2026-12-01T00:00:00Z", String.valueOf(month.resetsAt()));
    assertTrue(r.conversationsBeforeDenial() > 5 && r.conversationsBeforeDenial() < 40);
    assertTrue(month.requiresUpgrade(), "premium has more tokens a month");
    assertEquals(List.of("premium"), month.upgradePlans());

    QuotaDenial gate = r.denials().get(1);
    assertEquals(DenialCodes.FEATURE_NOT_IN_PLAN, gate.code());
    assertTrue(gate.requiresUpgrade());
    assertEquals(List.of("premium"), gate.upgradePlans());
    assertTrue(gate.message().contains("email_draft"), gate.message());
  }

  @Test
  void anUpgradeTakesEffectAndKeepsTheMonthsUsage() {
    assertEquals(1_000_000, r.afterUpgrade().limit());
    assertEquals("premium", r.quotas().status(SubjectRef.user("ana")).plan());
    assertEquals(r.month().total().totalTokens(), r.afterUpgrade().used(), "counter == report");
    assertEquals(r.conversationsBeforeDenial(), operation("conversation").calls());
    assertEquals(1, operation("email_draft").calls());
    assertEquals(0, r.nextMonth().used(), "a new month starts at zero");
    assertTrue(run.text.contains("email_draft admitted"), run.text);
  }

  /** The report's figures are the ledger's, summed here independently. */
  @Test
  void theMonthlyReportIsTheLedgerSummed() {
    List<UsageEvent> events =
        r.quotas()
            .store()
            .findEvents(
                new EventQuery(
                    Instant.parse("2026-11-01T00:00:00Z"),
                    Instant.parse("2026-12-01T00:00:00Z"),
                    SubjectRef.user("ana"),
                    null,
                    10_000));
    List<UsageEvent> calls =
        events.stream().filter(e -> e.status() == EventStatus.SUCCESS).toList();
    StatsRow total = r.month().total();
    assertEquals(calls.size(), total.calls());
    assertEquals(2, total.denials(), "the month's end and the feature gate");
    assertEquals(calls.stream().mapToLong(UsageEvent::totalTokens).sum(), total.totalTokens());
    long micros = calls.stream().mapToLong(UsageEvent::costMicros).sum();
    assertEquals(0, QuotaDenial.asMoney(micros).compareTo(total.cost()), total.toString());
    assertTrue(total.cost().signum() > 0, "priced from the price table");
    // every call costs at most its tokens at the output price: $0.60 per million
    assertTrue(micros <= total.totalTokens() * 6 / 10 + total.calls());
    assertEquals(
        List.of("openai/gpt-4o-mini"),
        r.month().byProviderModel().stream().map(m -> m.provider() + "/" + m.model()).toList());
    assertTrue(run.text.contains("provider_model openai/gpt-4o-mini"), run.text);
  }

  private StatsRow operation(String name) {
    return r.month().byOperation().stream()
        .filter(o -> name.equals(o.operation()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " in " + r.month()));
  }
}
