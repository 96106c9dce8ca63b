package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Overshoot;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.StatsRow;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.OperationEstimates;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 002, tiers and feature gates: free users get 10,000 tokens a month and premium users
 * 1,000,000; drafting e-mails, optimising schedules and complex reasoning are premium-only; each
 * operation has a token estimate; listeners hear 75 %, 90 % and 100 %; an upgrade takes effect on
 * the next call and keeps the month's usage.
 */
public final class TiersAndFeatureGates {
  /** The monthly token limit of both plans; one name, so an upgrade keeps the month's usage. */
  public static final String MONTHLY_TOKENS = "monthly-tokens";

  /** Operations only premium users may run. */
  public static final List<String> PREMIUM_ONLY =
      List.of("email_draft", "schedule_optimization", "complex_reasoning");

  /** The policy: two plans, free the default. */
  public static QuotaPolicy policy() {
    Plan free =
        Plan.builder("free")
            .limit(
                Limit.of(MONTHLY_TOKENS, Metric.TOKENS, Window.MONTH, 10_000)
                    // the last call may use what is left, then the month is over (fires 100 %)
                    .overshoot(Overshoot.ADMIT_IF_ANY))
            .denyOperations(PREMIUM_ONLY.toArray(String[]::new))
            .build();
    Plan premium =
        Plan.builder("premium")
            .limit(
                Limit.of(MONTHLY_TOKENS, Metric.TOKENS, Window.MONTH, 1_000_000)
                    .overshoot(Overshoot.ADMIT_IF_ANY))
            .build();
    return QuotaPolicy.builder().plan(free).plan(premium).defaultPlan("free").build();
  }

  /** The seed's per-operation estimates, used when a request gives none. */
  public static final OperationEstimates ESTIMATES =
      OperationEstimates.of(
          Map.of(
              "conversation", 500L,
              "email_draft", 800L,
              "briefing_generation", 1_000L,
              "schedule_optimization", 1_200L,
              "complex_reasoning", 2_000L));

  /** What {@link #run} returns for its test. */
  public record Result(
      List<ThresholdEvent> thresholds,
      List<QuotaDenial> denials,
      int conversationsBeforeDenial,
      LimitStatus afterUpgrade,
      PeriodStats month,
      LimitStatus nextMonth,
      QuotaManager quotas) {}

  /** Runs the scenario, printing what happens to {@code out}. */
  public static Result run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-11-03T08:00:00Z");
    List<ThresholdEvent> thresholds = new ArrayList<>();
    QuotaListener analytics =
        new QuotaListener() {
          @Override
          public void onThreshold(ThresholdEvent e) {
            thresholds.add(e);
            String event = e.percent() >= 100 ? "quota_exceeded" : "quota_" + label(e.percent());
            out.printf(
                Locale.ROOT,
                "  analytics event %s: %s used %d of %d tokens (%d %%)%n",
                event,
                e.subject(),
                e.used(),
                e.limit(),
                e.percent());
          }
        };
    QuotaStore store = new InMemoryQuotaStore();
    QuotaManager quotas =
        QuotaManager.builder()
            .store(store)
            .policy(policy())
            .operationEstimates(ESTIMATES)
            .pricing(PriceTable.defaults())
            .tokenCounter(Tokens.COUNTER)
            .listener(analytics)
            .clock(clock)
            .defaultLogging(false)
            .build();
    FakeLlm llm =
        new FakeLlm(
            Tokens.COUNTER,
            "gpt-4o-mini",
            prompt ->
                "Here is what I found about "
                    + prompt
                    + ". "
                    + "A dentist appointment at nine, then a call with the bank. ".repeat(30));
    List<QuotaDenial> denials = new ArrayList<>();

    out.println("-- ana is on the free plan: 10,000 tokens a month, estimates per operation");
    int admitted = 0;
    while (true) {
      String prompt = "what is on my plate today, item " + (admitted + 1);
      QuotaDecision d =
          quotas.tryReserve(
              UsageRequest.forUser("ana")
                  .operation("conversation")
                  .provider("openai")
                  .model("gpt-4o-mini"));
      if (!d.allowed()) {
        denials.add(d.denial());
        printDenial(out, "conversation", d.denial());
        break;
      }
      try (Reservation r = d.reservation()) {
        ChatResult a = llm.call(prompt, 400);
        r.commit(Usage.of(a.promptTokens(), a.completionTokens()));
      }
      admitted++;
      clock.advance(Duration.ofHours(6));
    }
    out.printf(Locale.ROOT, "  %d conversations admitted this month%n", admitted);

    out.println("-- a premium-only operation on the free plan");
    QuotaDecision draft =
        quotas.tryReserve(
            UsageRequest.forUser("ana")
                .operation("email_draft")
                .provider("openai")
                .model("gpt-4o-mini"));
    denials.add(draft.denial());
    printDenial(out, "email_draft", draft.denial());

    out.println("-- ana upgrades to premium; the next call sees it");
    SubjectRef ana = SubjectRef.user("ana");
    QuotaAdmin.of(quotas).assignPlan(ana, "premium");
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser("ana")
                .operation("email_draft")
                .provider("openai")
                .model("gpt-4o-mini"))) {
      ChatResult a = llm.call("draft a reply to the landlord", 700);
      r.commit(Usage.of(a.promptTokens(), a.completionTokens()));
      out.printf(Locale.ROOT, "  email_draft admitted: %d tokens%n", a.totalTokens());
    }
    LimitStatus afterUpgrade = quotas.status(ana).limit(MONTHLY_TOKENS).orElseThrow();
    out.printf(
        Locale.ROOT,
        "  %s on %s: used %d of %d (%.1f %%, %s)%n",
        ana,
        quotas.status(ana).plan(),
        afterUpgrade.used(),
        afterUpgrade.limit(),
        afterUpgrade.percent(),
        afterUpgrade.level());

    out.println("-- usage this month by operation (UsageReports.periodStats)");
    PeriodStats month =
        UsageReports.of(quotas)
            .periodStats(
                ana, Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));
    for (StatsRow row : month.rows()) {
      out.printf(
          Locale.ROOT,
          "  %-14s %-21s %3d calls %7d tokens (%s a call)  $%s%n",
          row.group(),
          switch (row.group()) {
            case "provider_model" -> row.provider() + "/" + row.model();
            case "operation" -> row.operation();
            default -> "all";
          },
          row.calls(),
          row.totalTokens(),
          row.averageTokens().toPlainString(),
          row.cost().toPlainString());
    }

    out.println("-- 1 December: a new month, a new window; no reset job");
    clock.set(Instant.parse("2026-12-01T00:00:00Z"));
    LimitStatus next = quotas.status(ana).limit(MONTHLY_TOKENS).orElseThrow();
    out.printf(Locale.ROOT, "  %s used %d of %d%n", ana, next.used(), next.limit());
    return new Result(
        List.copyOf(thresholds), List.copyOf(denials), admitted, afterUpgrade, month, next, quotas);
  }

  private static String label(int percent) {
    return percent >= 90 ? "critical" : "warning";
  }

  private static void printDenial(PrintStream out, String operation, QuotaDenial d) {
    out.printf(
        Locale.ROOT,
        "  %s denied: %s, requires_upgrade=%s %s%n    %s%n",
        operation,
        d.code(),
        d.requiresUpgrade(),
        d.upgradePlans(),
        d.message());
  }

  /** Runs the scenario on standard output. */
  public static void main(String[] args) {
    var unused = run(System.out);
  }
}
