package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.QuotaDenial;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.UsageLevel;
import java.math.BigDecimal;
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

    QuotaDenial gate = r.denials().get(1);
    assertEquals(DenialCodes.FEATURE_NOT_IN_PLAN, gate.code());
    assertTrue(gate.requiresUpgrade());
    assertEquals(List.of("premium"), gate.upgradePlans());
    assertTrue(gate.message().contains("email_draft"), gate.message());
  }

  @Test
  void anUpgradeTakesEffectAndKeepsTheMonthsUsage() {
    assertEquals(1_000_000, r.afterUpgrade().limit());
    long ledger = r.breakdown().values().stream().mapToLong(row -> row[1]).sum();
    assertEquals(ledger, r.afterUpgrade().used(), "counter == ledger");
    assertEquals(r.conversationsBeforeDenial(), r.breakdown().get("conversation")[0]);
    assertEquals(1, r.breakdown().get("email_draft")[0]);
    assertEquals(0, r.nextMonth().used(), "a new month starts at zero");
  }

  @Test
  void costsComeFromThePriceTable() {
    long micros = r.breakdown().values().stream().mapToLong(row -> row[2]).sum();
    assertEquals(QuotaDenial.asMoney(micros), r.monthCost());
    assertTrue(r.monthCost().compareTo(BigDecimal.ZERO) > 0);
    // every call costs at most its tokens at the output price: $0.60 per million
    assertTrue(micros <= r.afterUpgrade().used() * 6 / 10 + r.breakdown().size());
  }
}
