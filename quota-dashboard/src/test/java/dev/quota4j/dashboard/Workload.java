package dev.quota4j.dashboard;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A known day of traffic whose every figure follows from its construction. Each admitted call
 * estimates 100 input + 100 output tokens and commits 100 + 50 = 150 tokens; a failed one is billed
 * its 100 input tokens. gpt-4o-mini costs $1,000 / $2,000 per million input / output tokens ($0.20
 * a call), claude-3-haiku $500 / $1,000 ($0.10 a call, $0.05 for a failed one).
 *
 * <ul>
 *   <li>00:10, u-1 (free, 1,000 tokens a day): 6 calls of mail.send on gpt-4o-mini with key
 *       openai_1 (900 tokens, 90 %: CRITICAL), then one denied DAILY_TOKEN_QUOTA_EXCEEDED (200 do
 *       not fit in 100), then two complex_reasoning calls denied FEATURE_NOT_IN_PLAN.
 *   <li>01:10, u-2 (pro, 10,000 a day): 5 calls of docs.summarise on claude-3-haiku with key
 *       anthropic_1, the third failing (700 tokens, error rate 20 %).
 *   <li>01:20, u-3 (pro): 9 calls of search.web on gpt-4o-mini with key openai_2; the system's cap
 *       of 2,000 tokens an hour admits 8 (hour 01: 700 + 1,200 = 1,900) and denies the 9th
 *       SYSTEM_HOURLY_LIMIT_EXCEEDED.
 * </ul>
 *
 * Provider keys have 10 requests a day: openai_1 used 6, openai_2 8 (WARNING), anthropic_1 5.
 */
final class Workload {
  static final Instant DAY = Instant.parse("2026-11-24T00:00:00Z");
  static final Instant FROM = DAY;
  static final Instant TO = DAY.plus(Duration.ofDays(1));
  static final LocalDate DATE = LocalDate.parse("2026-11-24");

  final MutableClock clock = MutableClock.at(DAY);
  final QuotaManager quotas;

  Workload() {
    AtomicLong ids = new AtomicLong();
    quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                            .denyOperations("complex_reasoning")
                            .build())
                    .plan(
                        Plan.builder("pro")
                            .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 10_000))
                            .build())
                    .defaultPlan("free")
                    .limit(
                        Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 2_000)
                            .appliesTo(SubjectKind.SYSTEM))
                    .limit(
                        Limit.of("key-daily-requests", Metric.REQUESTS, Window.DAY, 10)
                            .appliesTo(SubjectKind.PROVIDER_KEY))
                    .build())
            .pricing(
                PriceTable.builder()
                    .price("gpt-4o-mini", "1000", "2000", "500", LocalDate.parse("2024-01-01"))
                    .price("claude-3-haiku", "500", "1000", "250", LocalDate.parse("2024-01-01"))
                    .build())
            .clock(clock)
            .idGenerator(() -> Long.toString(ids.incrementAndGet()))
            .defaultLogging(false)
            .build();
    QuotaAdmin admin = QuotaAdmin.of(quotas);
    admin.assignPlan(SubjectRef.user("u-1"), "free");
    admin.assignPlan(SubjectRef.user("u-2"), "pro");
    admin.assignPlan(SubjectRef.user("u-3"), "pro");
  }

  /** Runs the day and leaves the clock at 23:00 of it, so that the keys' windows are current. */
  Workload run() {
    clock.set(DAY.plus(Duration.ofMinutes(10)));
    for (int i = 0; i < 7; i++) {
      call("u-1", "planning", "mail", "send", "gpt-4o-mini", "openai", "openai_1", false);
    }
    for (int i = 0; i < 2; i++) {
      call("u-1", "complex_reasoning", "mail", "send", "gpt-4o-mini", "openai", "openai_1", false);
    }
    clock.set(DAY.plus(Duration.ofMinutes(70)));
    for (int i = 0; i < 5; i++) {
      call(
          "u-2",
          "agent_call",
          "docs",
          "summarise",
          "claude-3-haiku",
          "anthropic",
          "anthropic_1",
          i == 2);
    }
    clock.set(DAY.plus(Duration.ofMinutes(80)));
    for (int i = 0; i < 9; i++) {
      call("u-3", "agent_call", "search", "web", "gpt-4o-mini", "openai", "openai_2", false);
    }
    clock.set(DAY.plus(Duration.ofHours(23)));
    return this;
  }

  private void call(
      String user,
      String operation,
      String agent,
      String tool,
      String model,
      String provider,
      String key,
      boolean fail) {
    QuotaDecision d =
        quotas.tryReserve(
            UsageRequest.forUser(user)
                .operation(operation)
                .agent(agent)
                .tool(tool)
                .model(model)
                .provider(provider)
                .providerKey(key)
                .estimatedTokens(100, 100));
    if (!d.allowed()) {
      return;
    }
    try (Reservation r = d.reservation()) {
      if (fail) {
        r.fail("upstream timeout", Usage.of(100, 0));
      } else {
        r.commit(Usage.of(100, 50));
      }
    }
  }
}
