package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.ModelPricing;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.FixedTokenCounter;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import dev.quota4j.tokens.OperationEstimates;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Admission rules that need no particular store: caps, gates, clamps, estimates, listeners. */
class QuotaManagerTest {
  private final InMemoryQuotaStore store = new InMemoryQuotaStore();
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final RecordingListener heard = new RecordingListener();

  private QuotaManager.Builder builder(QuotaPolicy policy) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .clock(clock)
        .defaultLogging(false)
        .listener(heard);
  }

  private QuotaManager manager(QuotaPolicy policy) {
    return builder(policy).build();
  }

  @Test
  void perRequestCapsDenyWithoutTouchingTheStore() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of()));
    QuotaDecision d =
        m.tryReserve(UsageRequest.forUser("u").operation("planning").estimatedTokens(6_000, 2_001));
    assertFalse(d.allowed());
    QuotaDenial denial = d.denial();
    assertEquals(DenialCodes.REQUEST_TOKEN_LIMIT_EXCEEDED, denial.code());
    assertEquals(8_000, denial.limit());
    assertEquals(8_001, denial.requested());
    assertEquals(1, denial.overBy());
    assertEquals(null, denial.resetsAt());
    assertTrue(store.findSubject(SubjectRef.user("u")).isPresent(), "subject resolved first");
    assertEquals(0, store.openReservations());
    assertTrue(
        m.tryReserve(UsageRequest.forUser("u").operation("planning").estimatedTokens(6_000, 2_000))
            .allowed());
    assertFalse(
        m.tryReserve(UsageRequest.forUser("u").operation("agent_call").estimatedTokens(4_000, 1))
            .allowed());
    assertTrue(
        m.tryReserve(UsageRequest.forUser("u").operation("other").estimatedTokens(8_000, 0))
            .allowed(),
        "other operations: the larger of the two caps");
    QuotaDenial other =
        m.tryReserve(UsageRequest.forUser("u").operation("other").estimatedTokens(8_000, 1))
            .denial();
    assertEquals(DenialCodes.REQUEST_TOKEN_LIMIT_EXCEEDED, other.code());
    assertEquals(EnvironmentPolicy.OTHER_CALL_CAP, other.limitName());
    assertFalse(
        m.tryReserve(UsageRequest.forUser("u").estimatedTokens(9_000, 0)).allowed(),
        "and calls that name no operation");
  }

  /**
   * The cap of other operations leaves planning and agent calls to their own caps, so a user's
   * override of the planning cap is not undercut by it.
   */
  @Test
  void theCapOfOtherOperationsLeavesPlanningToItsOwnCap() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of()));
    QuotaAdmin.of(m).setOverride(SubjectRef.user("p"), EnvironmentPolicy.PLANNING_CAP, 12_000);
    assertTrue(
        m.tryReserve(UsageRequest.forUser("p").operation("planning").estimatedTokens(11_000, 0))
            .allowed());
    assertEquals(
        EnvironmentPolicy.OTHER_CALL_CAP,
        m.tryReserve(UsageRequest.forUser("p").operation("review").estimatedTokens(11_000, 0))
            .denial()
            .limitName());
    Limit cap = Limit.of("c", Metric.TOKENS, Window.PER_REQUEST, 1).exceptOperations("a", "b");
    assertFalse(cap.matches(null, null, "a"));
    assertTrue(cap.matches(null, null, "c"));
    assertTrue(cap.matches(null, null, null));
  }

  /** MAX_STEPS_PER_WORKFLOW counts a workflow's calls other than its planning call. */
  @Test
  void theEnvironmentPolicysStepsAreTheCallsAfterPlanning() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of("MAX_STEPS_PER_WORKFLOW", "2")));
    try (Workflow w = m.openWorkflow(SubjectRef.user("s"))) {
      for (String op : new String[] {"planning", "agent_call", "planning"}) {
        try (Reservation r =
            w.reserve(UsageRequest.forUser("s").operation(op).estimatedTokens(1, 1))) {
          r.commit(Usage.of(1, 1));
        }
      }
      w.reserve(UsageRequest.forUser("s").estimatedTokens(1, 1)).close(); // released: not a step
      try (Reservation r = w.reserve(UsageRequest.forUser("s").estimatedTokens(1, 1))) {
        r.commit(Usage.of(1, 1)); // a call naming no operation is a step
      }
      QuotaDenial d =
          w.tryReserve(UsageRequest.forUser("s").operation("agent_call").estimatedTokens(1, 1))
              .denial();
      assertEquals(DenialCodes.WORKFLOW_STEP_LIMIT_EXCEEDED, d.code());
      assertEquals(2, d.used());
      assertTrue(
          w.tryReserve(UsageRequest.forUser("s").operation("planning").estimatedTokens(1, 1))
              .allowed(),
          "planning again is not a step");
    }
  }

  /** As seed 000: the system hour admits calls until it is full (used >= limit denies). */
  @Test
  void theEnvironmentPolicysSystemHourAdmitsUntilItIsFull() {
    QuotaManager m =
        manager(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_HOUR_SYSTEM_WIDE", "100")));
    m.record("s-1", UsageRequest.forUser("a").build(), Usage.of(80, 0));
    try (Reservation r = m.reserve(UsageRequest.forUser("b").estimatedTokens(50, 0))) {
      r.commit(Usage.of(50, 0)); // 20 were left: admitted, the hour ends at 130
    }
    QuotaDenial full = m.tryReserve(UsageRequest.forUser("c").estimatedTokens(1, 0)).denial();
    assertEquals(DenialCodes.SYSTEM_HOURLY_LIMIT_EXCEEDED, full.code());
    assertEquals(130, full.used());
    clock.advance(Duration.ofHours(1));
    assertTrue(m.tryReserve(UsageRequest.forUser("c").estimatedTokens(1, 0)).allowed());
  }

  @Test
  void environmentPolicyUsesTheSeedNamesAndDefaults() {
    QuotaPolicy p = EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "1_000"));
    Plan plan = java.util.Objects.requireNonNull(p.plan(QuotaPolicy.DEFAULT_PLAN));
    assertEquals(
        1_000,
        java.util.Objects.requireNonNull(plan.limit(EnvironmentPolicy.USER_DAILY_TOKENS)).amount());
    assertEquals(
        100,
        java.util.Objects.requireNonNull(plan.limit(EnvironmentPolicy.USER_DAILY_REQUESTS))
            .amount());
    Map<String, Long> amounts =
        p.limits().stream().collect(java.util.stream.Collectors.toMap(Limit::name, Limit::amount));
    assertEquals(
        Map.of(
            EnvironmentPolicy.PLANNING_CAP, 8_000L,
            EnvironmentPolicy.AGENT_CALL_CAP, 4_000L,
            EnvironmentPolicy.OTHER_CALL_CAP, 8_000L,
            EnvironmentPolicy.SYSTEM_HOURLY_TOKENS, 1_000_000L,
            EnvironmentPolicy.CONCURRENT_WORKFLOWS, 10L,
            EnvironmentPolicy.WORKFLOW_STEPS, 20L),
        amounts);
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> EnvironmentPolicy.from(Map.of("MAX_CONCURRENT_WORKFLOWS", "ten")));
    assertEquals(
        "environment variable MAX_CONCURRENT_WORKFLOWS must be a whole number, was 'ten'",
        bad.getMessage());
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> EnvironmentPolicy.from(Map.of("MAX_STEPS_PER_WORKFLOW", "0")));
    assertTrue(
        String.valueOf(zero.getMessage())
            .contains("MAX_STEPS_PER_WORKFLOW must be greater than zero"));
  }

  @Test
  void dailyRequestQuotaHasTheSeedCode() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of("MAX_REQUESTS_PER_USER_PER_DAY", "2")));
    for (int i = 0; i < 2; i++) {
      try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
        r.commit(Usage.of(10, 10));
      }
    }
    QuotaDenial d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(1, 1)).denial();
    assertEquals(DenialCodes.DAILY_REQUEST_QUOTA_EXCEEDED, d.code());
    assertEquals(Duration.ofMinutes(13 * 60 + 45), d.retryAfter());
  }

  @Test
  void featureGatesDenyWithAnUpgradeHint() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(Plan.builder("free").denyOperations("briefing").denyModels("gpt-4o").build())
            .plan(Plan.builder("premium").build())
            .plan(Plan.builder("basic").allowOperations("conversation").build())
            .defaultPlan("free")
            .build();
    QuotaManager m = manager(policy);
    QuotaDenial d =
        m.tryReserve(UsageRequest.forUser("f").operation("briefing").estimatedTokens(1, 1))
            .denial();
    assertEquals(DenialCodes.FEATURE_NOT_IN_PLAN, d.code());
    assertTrue(d.requiresUpgrade());
    assertEquals(List.of("premium"), d.upgradePlans());
    QuotaDenial model =
        m.tryReserve(UsageRequest.forUser("f").model("gpt-4o-mini").estimatedTokens(1, 1)).denial();
    assertEquals(DenialCodes.FEATURE_NOT_IN_PLAN, model.code());
    assertEquals(List.of("premium"), model.upgradePlans(), "basic allows no call without its op");
    assertTrue(
        m.tryReserve(UsageRequest.forUser("f").operation("conversation").estimatedTokens(1, 1))
            .allowed());
  }

  @Test
  void clampShrinksTheOutputToWhatFits() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(
                        Limit.of("daily", Metric.TOKENS, Window.DAY, 1_000)
                            .overshoot(Overshoot.CLAMP))
                    .build())
            .limit(
                Limit.of("cap", Metric.TOKENS, Window.PER_REQUEST, 900).overshoot(Overshoot.CLAMP))
            .build();
    QuotaManager m = manager(policy);
    try (Reservation r = m.reserve(UsageRequest.forUser("c").estimatedTokens(100, 2_000))) {
      assertEquals(800, r.grantedMaxOutputTokens(), "the per-request cap clamps first");
      r.commit(Usage.of(100, 700));
    }
    try (Reservation r = m.reserve(UsageRequest.forUser("c").estimatedTokens(50, 500))) {
      assertEquals(150, r.grantedMaxOutputTokens(), "200 left, 50 of them input");
      r.commit(Usage.of(50, 150));
    }
    QuotaDecision d = m.tryReserve(UsageRequest.forUser("c").estimatedTokens(1, 10));
    assertFalse(d.allowed());
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, d.denial().code());
  }

  @Test
  void admitIfAnyAdmitsTheWholeCallWhileAnythingIsLeft() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(
                        Limit.of("daily", Metric.TOKENS, Window.DAY, 100)
                            .overshoot(Overshoot.ADMIT_IF_ANY))
                    .build())
            .build();
    QuotaManager m = manager(policy);
    try (Reservation r = m.reserve(UsageRequest.forUser("a").estimatedTokens(90, 0))) {
      r.commit(Usage.of(90, 0));
    }
    try (Reservation r = m.reserve(UsageRequest.forUser("a").estimatedTokens(500, 0))) {
      r.commit(Usage.of(500, 0));
    }
    assertFalse(m.tryReserve(UsageRequest.forUser("a").estimatedTokens(1, 0)).allowed());
  }

  @Test
  void promptsAreCountedWithTheTokenCounterAndCharactersAsCodePoints() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("chars", Metric.CHARACTERS, Window.DAY, 10))
                    .limit(Limit.of("input", Metric.INPUT_TOKENS, Window.DAY, 1_000))
                    .build())
            .build();
    QuotaManager m =
        builder(policy).tokenCounter(FixedTokenCounter.always(3).with("héllo🙂", 42)).build();
    try (Reservation r =
        m.reserve(UsageRequest.forUser("p").model("gpt-4o").estimatedTokens("héllo🙂", 10))) {
      assertEquals(42, r.estimatedInputTokens());
      assertEquals(
          6, m.status(SubjectRef.user("p")).limit("chars").orElseThrow().reserved(), "code points");
      r.commit(Usage.of(40, 5));
    }
    UsageEvent e = store.findEvents(EventQuery.all(10)).get(0);
    assertEquals(6, e.characters());
    assertEquals(52, e.estimatedTokens());
    assertFalse(e.toString().contains("héllo"), "prompt text never reaches the ledger");
  }

  @Test
  void operationEstimatesApplyWhenARequestGivesNone() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("monthly", Metric.TOKENS, Window.MONTH, 10_000))
                    .build())
            .build();
    QuotaManager m =
        builder(policy)
            .operationEstimates(
                OperationEstimates.of(
                    Map.of("conversation", 500L, "email_draft", 800L, "briefing", 1_000L)))
            .build();
    try (Reservation r = m.reserve(UsageRequest.forUser("e").operation("briefing"))) {
      assertEquals(1_000, m.status(SubjectRef.user("e")).limit("monthly").orElseThrow().reserved());
    }
  }

  @Test
  void costLimitsUseExactPrices() {
    ModelPricing pricing =
        (model, at) ->
            model.startsWith("gpt-4o")
                ? Optional.of(
                    new ModelPrice(
                        "gpt-4o",
                        new BigDecimal("2.50"),
                        new BigDecimal("10.00"),
                        new BigDecimal("1.25"),
                        LocalDate.of(2024, 8, 6)))
                : Optional.empty();
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.ofCost("daily-cost", Window.DAY, new BigDecimal("0.05")))
                    .build())
            .build();
    QuotaManager m = builder(policy).pricing(pricing).build();
    try (Reservation r =
        m.reserve(UsageRequest.forUser("m").model("gpt-4o").estimatedTokens(1_000, 1_000))) {
      // 1000 * 2.50 + 1000 * 10.00 micro-units
      assertEquals(
          12_500, m.status(SubjectRef.user("m")).limit("daily-cost").orElseThrow().reserved());
      r.commit(Usage.of(1_000, 500).withCachedInputTokens(400));
    }
    UsageEvent e = store.findEvents(EventQuery.all(10)).get(0);
    assertEquals(
        600 * 2_500_000L / 1_000_000 + 400 * 1_250_000L / 1_000_000 + 5_000, e.costMicros());
    QuotaDecision d =
        m.tryReserve(UsageRequest.forUser("m").model("gpt-4o").estimatedTokens(1_000, 5_000));
    assertEquals("DAILY_COST_QUOTA_EXCEEDED", d.denial().code());
    assertTrue(d.denial().message().contains("0.050000"), d.denial().message());
    try (Reservation r =
        m.reserve(UsageRequest.forUser("m").model("llama-3").estimatedTokens(1, 1))) {
      r.commit(Usage.of(1, 1));
    }
    assertTrue(heard.warnings().stream().anyMatch(w -> w.startsWith("UNKNOWN_MODEL_PRICE")));
  }

  /**
   * A call that names no model is priced at the table's default price, as seed 000 prices every
   * call at a flat $0.02 per 1,000 tokens; a denying table denies it when a cost limit applies
   * (issue 12: it cost zero).
   */
  @Test
  void callsNamingNoModelArePricedAtTheDefaultPrice() {
    BigDecimal flat = new BigDecimal("20.00"); // per million tokens = $0.02 per 1,000
    PriceTable table =
        PriceTable.builder()
            .onUnknownModel(dev.quota4j.pricing.UnknownModelPolicy.defaultPrice(flat, flat, flat))
            .build();
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.ofCost("daily-cost", Window.DAY, new BigDecimal("0.05")))
                    .build())
            .build();
    QuotaManager m = builder(policy).pricing(table).build();
    try (Reservation r = m.reserve(UsageRequest.forUser("f").estimatedTokens(1_000, 500))) {
      assertEquals(
          30_000, m.status(SubjectRef.user("f")).limit("daily-cost").orElseThrow().reserved());
      r.commit(Usage.of(800, 200));
    }
    assertEquals(20_000, store.findEvents(EventQuery.all(10)).get(0).costMicros(), "$0.02");
    assertEquals(
        "DAILY_COST_QUOTA_EXCEEDED",
        m.tryReserve(UsageRequest.forUser("f").estimatedTokens(1_000, 1_000)).denial().code());
    assertTrue(heard.warnings().isEmpty(), heard.warnings().toString());

    QuotaManager unpriced =
        builder(policy)
            .pricing(
                PriceTable.builder()
                    .onUnknownModel(dev.quota4j.pricing.UnknownModelPolicy.deny())
                    .build())
            .build();
    assertEquals(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        unpriced.tryReserve(UsageRequest.forUser("g").estimatedTokens(1_000, 0)).denial().code());
    assertEquals(0, unpriced.status(SubjectRef.user("g")).limit("daily-cost").orElseThrow().used());
  }

  @Test
  void unknownModelsCanBeDenied() {
    ModelPricing denying =
        new ModelPricing() {
          @Override
          public Optional<ModelPrice> find(String model, Instant at) {
            return Optional.empty();
          }

          @Override
          public boolean denyUnknownModels() {
            return true;
          }
        };
    QuotaManager m = builder(QuotaPolicy.builder().build()).pricing(denying).build();
    assertEquals(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        m.tryReserve(UsageRequest.forUser("x").model("mystery-1").estimatedTokens(1, 1))
            .denial()
            .code());
    assertTrue(m.tryReserve(UsageRequest.forUser("x").estimatedTokens(1, 1)).allowed());
  }

  /**
   * A pre-flight check says what is left of each limit (seed 002's tokens_remaining) and every
   * limit the call would not fit (seed 004's reasons), and tells no listener.
   */
  @Test
  void checkSaysWhatIsLeftAndEveryReason() {
    QuotaManager m =
        manager(
            EnvironmentPolicy.from(
                Map.of(
                    "MAX_TOKENS_PER_USER_PER_DAY", "1000", "MAX_REQUESTS_PER_USER_PER_DAY", "2")));
    m.record("c-1", UsageRequest.forUser("c").build(), Usage.of(600, 0));
    QuotaDecision ok = m.check(UsageRequest.forUser("c").estimatedTokens(100, 0));
    assertTrue(ok.allowed());
    assertEquals(java.util.OptionalLong.of(400), ok.remaining(EnvironmentPolicy.USER_DAILY_TOKENS));
    assertEquals(java.util.OptionalLong.of(1), ok.remaining(EnvironmentPolicy.USER_DAILY_REQUESTS));
    assertEquals(java.util.OptionalLong.empty(), ok.remaining("no-such-limit"));
    assertTrue(ok.denials().isEmpty());
    assertEquals(
        List.of(
            EnvironmentPolicy.USER_DAILY_TOKENS,
            EnvironmentPolicy.USER_DAILY_REQUESTS,
            EnvironmentPolicy.SYSTEM_HOURLY_TOKENS),
        ok.limits().stream().map(LimitStatus::limitName).toList());

    m.record("c-2", UsageRequest.forUser("c").build(), Usage.of(100, 0));
    QuotaDecision no = m.check(UsageRequest.forUser("c").estimatedTokens(500, 0));
    assertFalse(no.allowed());
    assertEquals(
        List.of(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, DenialCodes.DAILY_REQUEST_QUOTA_EXCEEDED),
        no.denials().stream().map(QuotaDenial::code).toList());
    assertEquals(no.denials().get(0), no.denial());
    assertEquals(java.util.OptionalLong.of(300), no.remaining(EnvironmentPolicy.USER_DAILY_TOKENS));
    assertTrue(heard.denials().isEmpty(), "a check tells no listener");
    QuotaDecision reserved = m.tryReserve(UsageRequest.forUser("c").estimatedTokens(500, 0));
    assertEquals(List.of(reserved.denial()), reserved.denials(), "tryReserve: the one denial");
    assertTrue(reserved.limits().isEmpty());
  }

  /** status() says whether the directory knows the subject and whether it may be admitted. */
  @Test
  void statusSaysWhetherTheSubjectIsKnownAndMayBeAdmitted() {
    QuotaPolicy env = EnvironmentPolicy.from(Map.of());
    QuotaManager creating = manager(env);
    QuotaStatus fresh = creating.status(SubjectRef.user("new"));
    assertFalse(fresh.known());
    assertTrue(fresh.active(), "unknown users are created on their first call");
    QuotaManager denying = manager(env.toBuilder().unknownSubjects(UnknownSubjects.DENY).build());
    QuotaStatus nobody = denying.status(SubjectRef.user("nobody"));
    assertFalse(nobody.known());
    assertFalse(nobody.active(), "unknown users are denied");
    creating.record("k-1", UsageRequest.forUser("nobody").build(), Usage.of(1, 0));
    assertTrue(denying.status(SubjectRef.user("nobody")).known());
    assertTrue(denying.status(SubjectRef.user("nobody")).active());
    QuotaAdmin.of(denying).deactivate(SubjectRef.user("nobody"));
    assertFalse(denying.status(SubjectRef.user("nobody")).active());
    assertTrue(denying.status(SubjectRef.SYSTEM).known());
  }

  /**
   * A policy that lists its operations rejects a request naming another before any store call (a
   * typo would escape the caps and gates of the real operation), and a configuration naming one.
   */
  @Test
  void aPolicyThatListsItsOperationsRejectsOthers() {
    QuotaPolicy p =
        EnvironmentPolicy.builderFrom(Map.of())
            .operations("planning", "agent_call")
            .operations("classification")
            .build();
    QuotaManager m = manager(p);
    String expected =
        "operation must be one of the policy's operations [agent_call, classification, planning],"
            + " was 'planing'";
    UsageRequest.Builder typo =
        UsageRequest.forUser("t").operation("planing").estimatedTokens(1, 1);
    assertEquals(
        expected,
        assertThrows(IllegalArgumentException.class, () -> m.tryReserve(typo)).getMessage());
    assertEquals(
        expected, assertThrows(IllegalArgumentException.class, () -> m.check(typo)).getMessage());
    assertEquals(
        expected,
        assertThrows(
                IllegalArgumentException.class, () -> m.record("e-1", typo.build(), Usage.of(1, 1)))
            .getMessage());
    assertTrue(store.findSubject(SubjectRef.user("t")).isEmpty(), "no subject was created");
    assertEquals(0, store.openReservations(), "nothing was reserved");
    assertTrue(store.findEvents(EventQuery.all(10)).isEmpty(), "nothing was recorded");
    assertTrue(
        m.tryReserve(UsageRequest.forUser("t").operation("planning").estimatedTokens(1, 1))
            .allowed());
    assertTrue(m.tryReserve(UsageRequest.forUser("t").estimatedTokens(1, 1)).allowed());

    IllegalArgumentException config =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                QuotaPolicy.builder()
                    .operations("chat")
                    .plan(Plan.builder("free").denyOperations("summarise").build())
                    .build());
    assertEquals(
        "denied operations of plan 'free' must name an operation of the policy [chat], was"
            + " 'summarise'",
        config.getMessage());
    assertTrue(EnvironmentPolicy.from(Map.of()).operations().isEmpty(), "any by default");
  }

  /** check() admits nothing, so it tells no listener: not of a SOFT cap, not of an outage. */
  @Test
  void checkTellsNoListener() {
    QuotaPolicy p =
        QuotaPolicy.builder()
            .limit(Limit.of("soft-cap", Metric.TOKENS, Window.PER_REQUEST, 10).mode(LimitMode.SOFT))
            .build();
    QuotaManager m = manager(p);
    assertTrue(m.check(UsageRequest.forUser("w").estimatedTokens(100, 0)).allowed());
    assertTrue(heard.wouldDeny().isEmpty(), "check: nothing heard");
    assertTrue(m.tryReserve(UsageRequest.forUser("w").estimatedTokens(100, 0)).allowed());
    assertEquals(1, heard.wouldDeny().size(), "tryReserve: heard");

    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Limit.of("l", Metric.TOKENS, Window.DAY, 1)
                    .forOperations("chat")
                    .exceptOperations("chat"));
    assertTrue(both.getMessage().startsWith("operation exclusion of limit 'l'"), both.getMessage());
    IllegalArgumentException unlisted =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                QuotaPolicy.builder()
                    .operations("chat")
                    .limit(
                        Limit.of("l", Metric.TOKENS, Window.DAY, 1).exceptOperations("summarise"))
                    .build());
    assertEquals(
        "operation exclusion of limit 'l' must name an operation of the policy [chat], was"
            + " 'summarise'",
        unlisted.getMessage());
  }

  @Test
  void checkReservesNothing() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "100")));
    QuotaDecision ok = m.check(UsageRequest.forUser("k").estimatedTokens(100, 0));
    assertTrue(ok.allowed());
    assertThrows(IllegalStateException.class, ok::reservation);
    assertEquals(0, store.openReservations());
    assertFalse(m.check(UsageRequest.forUser("k").estimatedTokens(101, 0)).allowed());
    assertTrue(heard.denials().isEmpty(), "check is not a denial");
  }

  @Test
  void statusReportsEveryLimitWithLevels() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "1000")));
    m.record("e1", UsageRequest.forUser("s").build(), Usage.of(800, 0));
    QuotaStatus s = m.status(SubjectRef.user("s"));
    assertEquals(QuotaPolicy.DEFAULT_PLAN, s.plan());
    LimitStatus tokens = s.limit(EnvironmentPolicy.USER_DAILY_TOKENS).orElseThrow();
    assertEquals(800, tokens.used());
    assertEquals(200, tokens.remaining());
    assertEquals(80.0, tokens.percent());
    assertEquals(UsageLevel.WARNING, tokens.level());
    assertEquals(Instant.parse("2026-11-26T00:00:00Z"), tokens.resetsAt());
    assertEquals(UsageLevel.WARNING, s.level());
    m.record("e2", UsageRequest.forUser("s").build(), Usage.of(100, 0));
    assertEquals(
        UsageLevel.CRITICAL,
        m.status(SubjectRef.user("s"))
            .limit(EnvironmentPolicy.USER_DAILY_TOKENS)
            .orElseThrow()
            .level());
    QuotaStatus system = m.status(SubjectRef.SYSTEM);
    assertEquals(900, system.limit(EnvironmentPolicy.SYSTEM_HOURLY_TOKENS).orElseThrow().used());
  }

  @Test
  void aThrowingListenerNeverBreaksAdmission() {
    QuotaManager m =
        builder(EnvironmentPolicy.from(Map.of()))
            .listener(
                new QuotaListener() {
                  @Override
                  public void onCommitted(UsageEvent event) {
                    throw new IllegalStateException("listener bug");
                  }
                })
            .build();
    try (Reservation r = m.reserve(UsageRequest.forUser("l").estimatedTokens(1, 1))) {
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(1, 1)));
    }
    assertEquals(1, heard.committed().size());
  }

  @Test
  void badInputNamesTheFieldAndValueAndChargesNothing() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of()));
    assertMessage(
        "inputTokens must be zero or more, was -1",
        () -> UsageRequest.forUser("u").estimatedTokens(-1, 10));
    assertMessage(
        "maxOutputTokens must be zero or more, was -5",
        () -> UsageRequest.forUser("u").estimatedTokens(1, -5));
    assertMessage(
        "inputTokens must be at most 1000000000000000 (Usage.MAX_AMOUNT), was 9223372036854775807",
        () -> UsageRequest.forUser("u").estimatedTokens(Long.MAX_VALUE, 1).build());
    assertMessage("user id must not be blank, was '  '", () -> UsageRequest.forUser("  "));
    String tooLong = "u".repeat(256);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> UsageRequest.forUser(tooLong));
    assertTrue(
        String.valueOf(e.getMessage())
            .startsWith("user id must be at most 255 characters, was 256"));
    assertMessage("outputTokens must be zero or more, was -3", () -> Usage.of(1, -3));
    assertMessage(
        "cachedInputTokens must not exceed inputTokens (1), was '2'",
        () -> Usage.of(1, 1).withCachedInputTokens(2));
    assertMessage(
        "cost must have at most 6 decimal places and fit in a long of micro-units, was 0.0000001",
        () -> Usage.of(1, 1).withCost(new BigDecimal("0.0000001")));
    assertMessage(
        "eventId must not be blank, was ''",
        () -> m.record("", UsageRequest.forUser("u").build(), Usage.NONE));
    assertMessage(
        "amount of limit 'x' must be zero or more, was -1",
        () -> Limit.of("x", Metric.TOKENS, Window.DAY, -1));
    assertMessage(
        "thresholds of limit 'x' must be ascending percentages from 1 to 100, was '[90, 75]'",
        () -> Limit.of("x", Metric.TOKENS, Window.DAY, 1).thresholds(90, 75));
    assertMessage(
        "metric of limit 'c' must be REQUESTS for a CONCURRENT window, was 'TOKENS'",
        () -> Limit.of("c", Metric.TOKENS, Window.CONCURRENT, 1));
    assertMessage(
        "limits of plan 'p' must have unique names, was 'd'",
        () ->
            Plan.builder("p")
                .limit(Limit.of("d", Metric.TOKENS, Window.DAY, 1))
                .limit(Limit.of("d", Metric.REQUESTS, Window.DAY, 1))
                .build());
    assertMessage(
        "limit of plan 'p' must not share its name with a policy-wide limit, was 'd'",
        () ->
            QuotaPolicy.builder()
                .plan(Plan.builder("p").limit(Limit.of("d", Metric.TOKENS, Window.DAY, 1)).build())
                .limit(Limit.of("d", Metric.TOKENS, Window.HOUR, 1))
                .build());
    assertMessage(
        "defaultPlan must name a plan of the policy [p], was 'q'",
        () -> QuotaPolicy.builder().plan(Plan.builder("p").build()).defaultPlan("q").build());
    assertMessage(
        "leaseDuration must be positive, was 'PT0S'",
        () -> QuotaManager.builder().leaseDuration(Duration.ZERO));
    assertMessage("store must be set", () -> QuotaManager.builder().build());
    assertEquals(0, store.openReservations());
    assertTrue(store.findEvents(EventQuery.all(10)).isEmpty());
  }

  @Test
  void cachedSubjectsAreReadOncePerTtl() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(Plan.builder("free").denyOperations("briefing").build())
            .plan(Plan.builder("pro").build())
            .defaultPlan("free")
            .build();
    QuotaManager m = builder(policy).subjectCacheTtl(Duration.ofSeconds(30)).build();
    assertFalse(m.check(UsageRequest.forUser("c").operation("briefing")).allowed());
    m.record("e", UsageRequest.forUser("c").build(), Usage.NONE); // creates the subject
    store.saveSubject(
        store.findSubject(SubjectRef.user("c")).orElseThrow().withPlan("pro", clock.instant()));
    assertFalse(
        m.check(UsageRequest.forUser("c").operation("briefing")).allowed(), "cached: still free");
    clock.advance(Duration.ofSeconds(31));
    assertTrue(m.check(UsageRequest.forUser("c").operation("briefing")).allowed(), "re-read");
    store.saveSubject(
        store.findSubject(SubjectRef.user("c")).orElseThrow().withPlan("free", clock.instant()));
    m.invalidateSubject(SubjectRef.user("c"));
    assertFalse(m.check(UsageRequest.forUser("c").operation("briefing")).allowed(), "invalidated");
  }

  @Test
  void planLimitDenialsNamePlansThatAllowMore() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("monthly", Metric.TOKENS, Window.MONTH, 100))
                    .build())
            .plan(
                Plan.builder("premium")
                    .limit(Limit.of("monthly", Metric.TOKENS, Window.MONTH, 1_000_000))
                    .build())
            .plan(
                Plan.builder("tiny")
                    .limit(Limit.of("monthly", Metric.TOKENS, Window.MONTH, 10))
                    .build())
            .plan(
                Plan.builder("anonymous")
                    .limit(Limit.of("messages", Metric.REQUESTS, Window.DAY, 50))
                    .build())
            .defaultPlan("free")
            .defaultPlan(SubjectKind.ANONYMOUS, "anonymous")
            .build();
    QuotaManager m = manager(policy);
    QuotaDenial d = m.tryReserve(UsageRequest.forUser("u").estimatedTokens(200, 0)).denial();
    assertEquals("MONTHLY_TOKEN_QUOTA_EXCEEDED", d.code());
    assertTrue(d.requiresUpgrade());
    assertEquals(List.of("premium"), d.upgradePlans(), "more, and not another kind's plan");
    assertTrue(m.tryReserve(UsageRequest.forAnonymous("s1").estimatedTokens(200, 0)).allowed());
    assertEquals("anonymous", store.findSubject(SubjectRef.anonymous("s1")).orElseThrow().plan());
    assertEquals("free", store.findSubject(SubjectRef.user("u")).orElseThrow().plan());
  }

  @Test
  void providerKeyOverridesApplyAtAdmission() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("key-daily-chars", Metric.CHARACTERS, Window.DAY, 14_400)
                    .appliesTo(SubjectKind.PROVIDER_KEY))
            .build();
    QuotaManager m = manager(policy);
    store.saveSubject(
        new dev.quota4j.spi.SubjectRecord(
            SubjectRef.providerKey("huggingface_1"),
            "default",
            Map.of("key-daily-chars", 30_000L),
            true,
            clock.instant(),
            clock.instant()));
    assertTrue(
        m.tryReserve(UsageRequest.forUser("u").providerKey("huggingface_1").characters(20_000))
            .allowed());
    QuotaDenial d =
        m.tryReserve(UsageRequest.forUser("u").providerKey("groq_1").characters(20_000)).denial();
    assertEquals("DAILY_CHARACTER_QUOTA_EXCEEDED", d.code());
    assertEquals(14_400, d.limit());
    assertEquals(SubjectRef.providerKey("groq_1"), d.subject());
  }

  /**
   * Deactivating an API key, provider key or tenant denies every request that names it, whether or
   * not a limit is charged to it, and is seen at once (no cache); activating it admits again.
   */
  @Test
  void requestsNamingADeactivatedKeyOrTenantAreDenied() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("key-daily-chars", Metric.CHARACTERS, Window.DAY, 14_400)
                    .appliesTo(SubjectKind.PROVIDER_KEY))
            .build();
    QuotaManager m = manager(policy);
    QuotaAdmin admin = QuotaAdmin.of(m);
    UsageRequest.Builder viaGroq = UsageRequest.forUser("u").providerKey("groq_1").characters(10);
    UsageRequest.Builder viaApiKey = UsageRequest.forUser("u").apiKey("k-1").characters(10);
    UsageRequest.Builder inTenant = UsageRequest.forUser("u").tenant("acme").characters(10);
    assertTrue(m.tryReserve(viaGroq).allowed());
    assertTrue(m.tryReserve(viaApiKey).allowed());
    assertTrue(m.tryReserve(inTenant).allowed());

    admin.deactivate(SubjectRef.providerKey("groq_1"));
    admin.deactivate(SubjectRef.apiKey("k-1"));
    admin.deactivate(SubjectRef.tenant("acme"));
    for (var entry :
        Map.of(
                viaGroq, SubjectRef.providerKey("groq_1"),
                viaApiKey, SubjectRef.apiKey("k-1"),
                inTenant, SubjectRef.tenant("acme"))
            .entrySet()) {
      QuotaDenial d = m.tryReserve(entry.getKey()).denial();
      assertEquals(DenialCodes.SUBJECT_INACTIVE, d.code(), entry.getValue().toString());
      assertEquals(entry.getValue(), d.subject());
      assertTrue(d.message().contains(entry.getValue().toString()), d.message());
      assertFalse(m.check(entry.getKey()).allowed(), "check says the same");
    }
    assertTrue(
        m.tryReserve(UsageRequest.forUser("u").providerKey("groq_2").characters(10)).allowed(),
        "another key of the same provider");
    assertTrue(m.tryReserve(UsageRequest.forUser("u").characters(10)).allowed(), "the user");
    assertEquals(
        3, heard.denials().size(), "each denial heard once: tryReserve; check notifies nothing");

    admin.activate(SubjectRef.providerKey("groq_1"));
    assertTrue(m.tryReserve(viaGroq).allowed());
    assertFalse(m.tryReserve(viaApiKey).allowed());
  }

  /** A request made as an API key is denied as its own subject, with the usual code. */
  @Test
  void aDeactivatedApiKeyMakingTheRequestIsDeniedAsItsSubject() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of()));
    QuotaAdmin.of(m).deactivate(SubjectRef.apiKey("k-2"));
    QuotaDenial d =
        m.tryReserve(UsageRequest.forApiKey("k-2").apiKey("k-2").characters(1)).denial();
    assertEquals(DenialCodes.USER_INACTIVE, d.code());
    assertEquals(SubjectRef.apiKey("k-2"), d.subject());
  }

  @Test
  void thresholdEventsSayWhenTheWindowEnds() {
    QuotaManager m = manager(EnvironmentPolicy.from(Map.of("MAX_TOKENS_PER_USER_PER_DAY", "100")));
    m.record("t", UsageRequest.forUser("t").build(), Usage.of(80, 0));
    ThresholdEvent e = heard.thresholds().get(0);
    assertEquals(75, e.percent());
    assertEquals(Instant.parse("2026-11-26T00:00:00Z"), e.windowEnd());
  }

  @Test
  void loggedIdsAreEscaped() {
    SubjectRef s = SubjectRef.user("evil\nINFO forged line");
    assertEquals("user:'evil\\u000aINFO forged line'", s.toString());
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, e);
    assertEquals(expected, thrown.getMessage());
  }

  /**
   * A cached subject reuses the bounds of its last request only for a request of the same shape and
   * while their windows hold: another model gets its own per-model limit, and midnight starts new
   * counters.
   */
  @Test
  void cachedBoundsFollowTheRequestShapeAndTheWindows() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, 1_000))
                    .limit(Limit.of("daily-4o", Metric.TOKENS, Window.DAY, 100).forModels("gpt-4o"))
                    .build())
            .build();
    clock.set(Instant.parse("2026-11-25T23:59:00Z"));
    QuotaManager m = builder(policy).subjectCacheTtl(Duration.ofDays(3)).build();
    for (int i = 0; i < 2; i++) {
      Reservation r =
          m.tryReserve(UsageRequest.forUser("b").model("gpt-4o").estimatedTokens(25, 25))
              .reservation();
      r.commit(Usage.of(25, 25));
    }
    assertFalse(
        m.tryReserve(UsageRequest.forUser("b").model("gpt-4o").estimatedTokens(25, 25)).allowed(),
        "the per-model limit binds");
    assertTrue(
        m.tryReserve(UsageRequest.forUser("b").model("gpt-4.1").estimatedTokens(25, 25)).allowed(),
        "another model is not under it");
    clock.advance(Duration.ofMinutes(2)); // past midnight
    Reservation next =
        m.tryReserve(UsageRequest.forUser("b").model("gpt-4o").estimatedTokens(25, 25))
            .reservation();
    next.commit(Usage.of(25, 25));
    LimitStatus s = m.status(SubjectRef.user("b")).limit("daily-4o").orElseThrow();
    assertEquals(50, s.used(), "the new day's counter");
    assertEquals(Instant.parse("2026-11-26T00:00:00Z"), s.windowStart());
  }
}
