package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.internal.Checks;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.ModelPrice;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.OperationEstimates;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every entry point of an id, a name, a tag or an amount refuses what no store keeps exactly or
 * what could overflow a counter, with an {@link IllegalArgumentException} naming the field and
 * showing the value escaped, before any store call: an unpaired UTF-16 surrogate (stored as {@code
 * ?} on PostgreSQL: two ids became one), and an amount above {@link Usage#MAX_AMOUNT} (a counter
 * overflowed in the database and the call was reported as a store outage).
 */
class UnstorableInputTest {
  private static final String LONE = "x\uD800";
  private static final String LONE_SHOWN = "'x\\ud800'";
  private static final long OVER = Usage.MAX_AMOUNT + 1;
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");

  private InMemoryQuotaStore real;
  private AtomicInteger storeCalls;
  private QuotaStore store;

  @BeforeEach
  void countStoreCalls() {
    real = new InMemoryQuotaStore();
    storeCalls = new AtomicInteger();
    store =
        (QuotaStore)
            Proxy.newProxyInstance(
                QuotaStore.class.getClassLoader(),
                new Class<?>[] {QuotaStore.class},
                (proxy, method, args) -> {
                  storeCalls.incrementAndGet();
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
  }

  private QuotaManager manager(Function<QuotaManager.Builder, QuotaManager.Builder> more) {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 1_000_000))
                    .limit(Limit.ofCost("user-daily-cost", Window.DAY, new BigDecimal("100")))
                    .build())
            .build();
    return more.apply(
            QuotaManager.builder()
                .store(store)
                .policy(policy)
                .clock(MutableClock.at(NOW.toString()))
                .defaultLogging(false))
        .build();
  }

  private QuotaManager manager() {
    return manager(b -> b);
  }

  private static void refused(String field, String shown, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    String message = String.valueOf(e.getMessage());
    assertTrue(message.startsWith(field + " "), "names the field '" + field + "': " + message);
    assertTrue(message.contains(shown), "shows " + shown + ": " + message);
    for (char c : message.toCharArray()) {
      assertFalse(Character.isSurrogate(c) && !message.contains("\uD83D\uDE42"), message);
    }
  }

  /** Refused, and the store was not asked anything. */
  private void refusedBeforeTheStore(String field, String shown, Executable call) {
    int before = storeCalls.get();
    refused(field, shown, call);
    assertEquals(before, storeCalls.get(), "no store call for " + field);
  }

  // ------------------------------------------------------------------ the rule itself

  @Test
  void theRuleRefusesUnpairedSurrogatesOnlyAndShowsThemEscaped() {
    for (String ok :
        List.of("a", "\uD83D\uDE42", "a\uD83D\uDE42b", "nul\u0000", "\uFFFF", "\uE000")) {
      assertSame(ok, Checks.text("f", ok));
      assertSame(ok, Checks.id("f", ok));
    }
    for (String bad :
        List.of("\uD800", "a\uDC00", "\uDE42\uD83D", "\uD83D\uD83D\uDE42", "z\uDBFF")) {
      refused("f", "\\u", () -> Checks.text("f", bad));
      refused("f", "\\u", () -> Checks.id("f", bad));
    }
    assertEquals(
        "f must not contain an unpaired UTF-16 surrogate (\\ud800 at index 1), was 'x\\ud800'",
        assertThrows(IllegalArgumentException.class, () -> Checks.id("f", LONE)).getMessage());
    // a value cut for display is never cut inside a pair
    String shown = Checks.show("a".repeat(63) + "\uD83D\uDE42tail");
    assertTrue(shown.startsWith("'" + "a".repeat(63) + "\uD83D\uDE42"), shown);
    assertEquals("'\\udc00a'", Checks.show("\uDC00a"));
    // free text is kept, with U+FFFD in place of what no store keeps exactly
    assertEquals(
        "a\uFFFDb\uD83D\uDE42\uFFFD",
        Checks.replaceUnpairedSurrogates("a\uDC00b\uD83D\uDE42\uD800"));
    UsageEvent e =
        UsageEvent.builder("e", NOW, EventStatus.ERROR, SubjectRef.user("u"))
            .errorMessage("boom \uD800")
            .build();
    assertEquals("boom \uFFFD", e.errorMessage());
  }

  // ------------------------------------------------------------------ ids, names and tags

  @Test
  void subjectIdsOfEveryKind() {
    refused("user id", LONE_SHOWN, () -> SubjectRef.user(LONE));
    refused("anonymous id", LONE_SHOWN, () -> SubjectRef.anonymous(LONE));
    refused("api_key id", LONE_SHOWN, () -> SubjectRef.apiKey(LONE));
    refused("provider_key id", LONE_SHOWN, () -> SubjectRef.providerKey(LONE));
    refused("tenant id", LONE_SHOWN, () -> SubjectRef.tenant(LONE));
    refused("workflow id", LONE_SHOWN, () -> SubjectRef.workflow(LONE));
    refused("user id", LONE_SHOWN, () -> UsageRequest.forUser(LONE));
    refused("anonymous id", LONE_SHOWN, () -> UsageRequest.forAnonymous(LONE));
    refused("api_key id", LONE_SHOWN, () -> UsageRequest.forApiKey(LONE));
  }

  @Test
  void everyFieldOfAUsageRequest() {
    Map<String, Function<UsageRequest.Builder, UsageRequest.Builder>> fields =
        Map.ofEntries(
            Map.entry("apiKey", b -> b.apiKey(LONE)),
            Map.entry("providerKey", b -> b.providerKey(LONE)),
            Map.entry("tenant", b -> b.tenant(LONE)),
            Map.entry("provider", b -> b.provider(LONE)),
            Map.entry("model", b -> b.model(LONE)),
            Map.entry("operation", b -> b.operation(LONE)),
            Map.entry("agent", b -> b.agent(LONE)),
            Map.entry("tool", b -> b.tool(LONE)),
            Map.entry("workflowId", b -> b.workflow(LONE)),
            Map.entry("sessionId", b -> b.session(LONE)));
    QuotaManager m = manager();
    fields.forEach(
        (field, set) -> {
          refusedBeforeTheStore(
              field, LONE_SHOWN, () -> set.apply(UsageRequest.forUser("u")).build());
          refusedBeforeTheStore(
              field, LONE_SHOWN, () -> m.reserve(set.apply(UsageRequest.forUser("u"))));
          refusedBeforeTheStore(
              field, LONE_SHOWN, () -> m.tryReserve(set.apply(UsageRequest.forUser("u"))));
          refusedBeforeTheStore(
              field, LONE_SHOWN, () -> m.check(set.apply(UsageRequest.forUser("u"))));
        });
    refused("tag key", LONE_SHOWN, () -> UsageRequest.forUser("u").tag(LONE, "v"));
    refused("tag value", LONE_SHOWN, () -> UsageRequest.forUser("u").tag("k", LONE));
    refused("model", LONE_SHOWN, () -> Usage.of(1, 1).withModel(LONE));
    assertEquals(0, real.findEvents(EventQuery.all(10)).size());
  }

  @Test
  void recordEventIdsAndIdsFromACustomIdGenerator() {
    QuotaManager m = manager();
    refusedBeforeTheStore(
        "eventId",
        LONE_SHOWN,
        () -> m.record(LONE, UsageRequest.forUser("u").build(), Usage.of(1, 1)));
    QuotaManager custom = manager(b -> b.idGenerator(() -> "id\uDFFF"));
    refused(
        "reservation id from the idGenerator",
        "'r-id\\udfff'",
        () -> custom.reserve(UsageRequest.forUser("u").estimatedTokens(1, 1)));
    refused("workflowId", "'wf-id\\udfff'", () -> custom.openWorkflow(SubjectRef.user("u")));
    refusedBeforeTheStore(
        "workflowId", LONE_SHOWN, () -> m.openWorkflow(SubjectRef.user("u"), LONE));
    assertEquals(0, real.findEvents(EventQuery.all(10)).size(), "nothing in the ledger");
    assertEquals(
        0,
        m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().reserved(),
        "nothing reserved");
  }

  @Test
  void limitPlanPolicyAndPriceNames() {
    refused("limit name", LONE_SHOWN, () -> Limit.of(LONE, Metric.TOKENS, Window.DAY, 1));
    Limit l = Limit.of("l", Metric.TOKENS, Window.DAY, 1);
    refused("provider filter of limit 'l'", LONE_SHOWN, () -> l.forProviders(LONE));
    refused("model filter of limit 'l'", LONE_SHOWN, () -> l.forModels(LONE));
    refused("operation filter of limit 'l'", LONE_SHOWN, () -> l.forOperations(LONE));
    refused("operation exclusion of limit 'l'", LONE_SHOWN, () -> l.exceptOperations(LONE));
    refused("code of limit 'l'", LONE_SHOWN, () -> l.code(LONE));
    refused("plan name", LONE_SHOWN, () -> Plan.builder(LONE).build());
    refused(
        "feature gates of plan 'p'",
        LONE_SHOWN,
        () -> Plan.builder("p").allowOperations(LONE).build());
    refused(
        "feature gates of plan 'p'", LONE_SHOWN, () -> Plan.builder("p").denyModels(LONE).build());
    refused("defaultPlan", LONE_SHOWN, () -> QuotaPolicy.builder().defaultPlan(LONE));
    refused("operation", LONE_SHOWN, () -> QuotaPolicy.builder().operations(LONE));
    refused(
        "model",
        LONE_SHOWN,
        () ->
            new ModelPrice(
                LONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, LocalDate.of(2026, 1, 1)));
    refused("model", LONE_SHOWN, () -> PriceTable.defaults().find(LONE, NOW));
    refused("operation", LONE_SHOWN, () -> OperationEstimates.of(Map.of(LONE, 10L)));
    refused(
        "operation estimates entry 1 operation",
        LONE_SHOWN,
        () -> OperationEstimates.parse(LONE + "=10"));
  }

  @Test
  void administrationIds() {
    QuotaManager m = manager();
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef u = SubjectRef.user("u");
    refusedBeforeTheStore("plan", LONE_SHOWN, () -> admin.assignPlan(u, LONE));
    refusedBeforeTheStore("limitName", LONE_SHOWN, () -> admin.setOverride(u, LONE, 5));
    refusedBeforeTheStore("limitName", LONE_SHOWN, () -> admin.clearOverride(u, LONE));
    refusedBeforeTheStore("limitName", LONE_SHOWN, () -> admin.temporaryIncrease(u, LONE, 5));
    refusedBeforeTheStore("limitName", LONE_SHOWN, () -> admin.reset(u, LONE, "a"));
    refusedBeforeTheStore("auditId", LONE_SHOWN, () -> admin.reset(u, "user-daily-tokens", LONE));
    refusedBeforeTheStore("auditId", LONE_SHOWN, () -> admin.resetAll(u, LONE));
    refusedBeforeTheStore("auditId", LONE_SHOWN, () -> admin.resetProviderKeys(List.of("k"), LONE));
    refusedBeforeTheStore(
        "provider key", LONE_SHOWN, () -> admin.resetProviderKeys(List.of("k1", LONE), "a"));
    refusedBeforeTheStore(
        "migrationId",
        LONE_SHOWN,
        () -> admin.migrateAnonymous(SubjectRef.anonymous("s"), u, LONE));
    // a long audit id is shortened for a key without cutting a surrogate pair in half
    String audit = "a".repeat(99) + "\uD83D\uDE42" + "b".repeat(150);
    assertEquals(1, admin.resetProviderKeys(List.of("k".repeat(10)), audit));
  }

  // ------------------------------------------------------------------ amounts

  @Test
  void usageAmountsAreBounded() {
    assertEquals(1_000_000_000_000_000L, Usage.MAX_AMOUNT);
    refused("inputTokens", "was " + OVER, () -> Usage.of(OVER, 0));
    refused("outputTokens", "was " + Long.MAX_VALUE, () -> Usage.of(0, Long.MAX_VALUE));
    refused("outputTokens", "was " + OVER, () -> Usage.tokens(OVER));
    refused(
        "cachedInputTokens",
        "was " + OVER,
        () -> new Usage(Usage.MAX_AMOUNT, 0, OVER, -1, null, null));
    refused("characters", "was " + OVER, () -> Usage.of(1, 1).withCharacters(OVER));
    refused("characters", "was " + OVER, () -> new Usage(1, 1, 0, OVER, null, null));
    refused(
        "cost",
        "was 1000000000.000001",
        () -> Usage.of(1, 1).withCost(new BigDecimal("1000000000.000001")));
    Usage max =
        new Usage(
            Usage.MAX_AMOUNT,
            Usage.MAX_AMOUNT,
            Usage.MAX_AMOUNT,
            Usage.MAX_AMOUNT,
            null,
            new BigDecimal("1000000000"));
    assertEquals(2 * Usage.MAX_AMOUNT, max.totalTokens());
  }

  @Test
  void requestAmountsAreBounded() {
    refused("inputTokens", "was " + OVER, () -> UsageRequest.forUser("u").estimatedTokens(OVER, 0));
    refused(
        "maxOutputTokens", "was " + OVER, () -> UsageRequest.forUser("u").estimatedTokens(0, OVER));
    refused(
        "maxOutputTokens",
        "was " + OVER,
        () -> UsageRequest.forUser("u").estimatedTokens("prompt", OVER));
    refused(
        "maxOutputTokens", "was " + OVER, () -> UsageRequest.forUser("u").maxOutputTokens(OVER));
    refused("characters", "was " + OVER, () -> UsageRequest.forUser("u").characters(OVER));
    refused(
        "estimatedCost",
        "was 1000000000.5",
        () -> UsageRequest.forUser("u").estimatedCost(new BigDecimal("1000000000.5")).build());
    refused(
        "estimate of operation 'op'",
        "was " + OVER,
        () -> OperationEstimates.of(Map.of("op", OVER)));
    refused(
        "estimate of operation 'op'", "was " + OVER, () -> OperationEstimates.parse("op=" + OVER));
    UsageRequest max =
        UsageRequest.forUser("u")
            .estimatedTokens(Usage.MAX_AMOUNT, Usage.MAX_AMOUNT)
            .characters(Usage.MAX_AMOUNT)
            .estimatedCost(new BigDecimal("1000000000"))
            .build();
    assertEquals(Usage.MAX_AMOUNT, max.inputTokens());
  }

  /** Over-large usage on every API path: refused before the store, nothing charged. */
  @Test
  void everyPathRefusesAnOverLargeUsageBeforeTheStore() {
    QuotaManager m = manager();
    SubjectRef u = SubjectRef.user("u");
    try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10))) {
      refusedBeforeTheStore(
          "inputTokens", "was " + Long.MAX_VALUE, () -> r.commit(Usage.of(Long.MAX_VALUE, 0)));
      refusedBeforeTheStore(
          "outputTokens",
          "was " + OVER,
          () -> r.fail(new RuntimeException("provider error"), Usage.of(0, OVER)));
      refusedBeforeTheStore(
          "outputTokens", "was " + OVER, () -> r.fail("error", Usage.of(0, OVER)));
      assertTrue(r.isOpen(), "the reservation can still be settled");
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(5, 5)));
    }
    refusedBeforeTheStore(
        "inputTokens",
        "was " + OVER,
        () -> m.record("e1", UsageRequest.forUser("u").build(), Usage.of(OVER, 0)));
    try (Workflow w = m.openWorkflow(u)) {
      refusedBeforeTheStore(
          "inputTokens",
          "was " + OVER,
          () -> w.record("e2", UsageRequest.forUser("u"), Usage.of(OVER, 0)));
      refusedBeforeTheStore(
          "maxOutputTokens",
          "was " + OVER,
          () -> w.reserve(UsageRequest.forUser("u").estimatedTokens(1, OVER)));
    }
    assertEquals(10, m.status(u).limit("user-daily-tokens").orElseThrow().used());
    assertEquals(0, m.status(u).limit("user-daily-tokens").orElseThrow().reserved());
  }

  /** A token counter of the host's that counts more than the bound. */
  @Test
  void aTokenCountAboveTheBoundIsRefusedAndChargesNothing() {
    QuotaManager m = manager(b -> b.tokenCounter((text, model) -> OVER));
    refused(
        "inputTokens counted from the prompt by the TokenCounter",
        "was " + OVER,
        () -> m.reserve(UsageRequest.forUser("u").estimatedTokens("hello", 10)));
    LimitStatus s = m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow();
    assertEquals(0, s.used());
    assertEquals(0, s.reserved());
  }

  /** Tokens times a price: an estimate or a usage whose cost would pass the bound is refused. */
  @Test
  void aPricedCostAboveTheBoundIsRefusedAndChargesNothing() {
    PriceTable prices =
        PriceTable.builder()
            .price("pricey", "1000000", "1000000", "0", LocalDate.of(2020, 1, 1))
            .build();
    QuotaManager m = manager(b -> b.pricing(prices));
    SubjectRef u = SubjectRef.user("u");
    // 10^10 tokens at 10^6 per million: 10^16 micro-units, past the bound (10^15)
    refused(
        "estimated cost",
        "was 10000000000000000",
        () ->
            m.tryReserve(
                UsageRequest.forUser("u").model("pricey").estimatedTokens(0, 10_000_000_000L)));
    try (Reservation r =
        m.reserve(UsageRequest.forUser("u").model("pricey").estimatedTokens(1, 1))) {
      int before = storeCalls.get();
      refused("cost", "was 10000000000000000", () -> r.commit(Usage.of(10_000_000_000L, 0)));
      assertEquals(before, storeCalls.get(), "no store call");
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(1, 1)));
    }
    refused(
        "cost",
        "was 10000000000000000",
        () ->
            m.record(
                "e",
                UsageRequest.forUser("u").model("pricey").build(),
                Usage.of(0, 10_000_000_000L)));
    LimitStatus cost = m.status(u).limit("user-daily-cost").orElseThrow();
    assertEquals(2_000_000, cost.used(), "2 tokens at 10^6 micro-units each");
    assertEquals(0, cost.reserved());
    assertEquals(2, m.status(u).limit("user-daily-tokens").orElseThrow().used());
  }
}
