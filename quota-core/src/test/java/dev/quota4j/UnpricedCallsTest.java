package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.pricing.UnknownModelPolicy;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.testing.RecordingListener;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: with the price table's unknown-model policy DENY, a call that names no model was priced
 * at zero, so three 2M-token calls passed a $0.01 daily COST limit. When a COST limit applies and
 * no price can be found, DENY denies ({@code UNKNOWN_MODEL_PRICE}); the zero policy warns; usage
 * that already happened is never lost for want of a price.
 */
class UnpricedCallsTest {
  private final InMemoryQuotaStore store = new InMemoryQuotaStore();
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final RecordingListener heard = new RecordingListener();

  private static final PriceTable DENYING =
      PriceTable.defaults().toBuilder().onUnknownModel(UnknownModelPolicy.deny()).build();

  private static QuotaPolicy centADay(LimitMode mode) {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.ofCost("daily-cost", Window.DAY, new BigDecimal("0.01")).mode(mode))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 1_000))
                .build())
        .build();
  }

  private QuotaManager manager(QuotaPolicy policy, PriceTable prices) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .pricing(prices)
        .clock(clock)
        .defaultLogging(false)
        .listener(heard)
        .build();
  }

  private static UsageRequest twoMillionTokens(String user) {
    return UsageRequest.forUser(user).estimatedTokens(2_000_000, 0).build();
  }

  private List<String> warnings(String code) {
    return heard.warnings().stream().filter(w -> w.startsWith(code)).toList();
  }

  @Test
  void threeTwoMillionTokenCallsNamingNoModelDoNotPassACentADayUnderDeny() {
    QuotaManager m = manager(centADay(LimitMode.ENFORCE), DENYING);
    for (int i = 0; i < 3; i++) {
      QuotaDecision d = m.tryReserve(twoMillionTokens("a"));
      assertFalse(d.allowed(), "call " + (i + 1) + " was admitted");
      assertEquals(DenialCodes.UNKNOWN_MODEL_PRICE, d.denial().code());
    }
    assertEquals(0, store.openReservations(), "nothing reached the store");
    assertEquals(0, m.status(SubjectRef.user("a")).limit("daily-requests").orElseThrow().used());
    QuotaExceededException e =
        assertThrows(QuotaExceededException.class, () -> m.reserve(twoMillionTokens("a")));
    assertTrue(e.denial().message().contains("names no model"), e.denial().message());
    assertEquals(
        DenialCodes.UNKNOWN_MODEL_PRICE, m.check(twoMillionTokens("a")).denial().code(), "check");
  }

  @Test
  void aSoftCostLimitDeniesTooAShadowOneOnlySaysItWould() {
    assertEquals(
        DenialCodes.UNKNOWN_MODEL_PRICE,
        manager(centADay(LimitMode.SOFT), DENYING)
            .tryReserve(twoMillionTokens("b"))
            .denial()
            .code());

    QuotaManager shadow = manager(centADay(LimitMode.SHADOW), DENYING);
    try (Reservation r = shadow.reserve(twoMillionTokens("c"))) {
      r.commit(Usage.of(2_000_000, 0));
    }
    assertEquals(
        List.of(DenialCodes.UNKNOWN_MODEL_PRICE),
        heard.wouldDeny().stream().map(QuotaDenial::code).toList());
    assertEquals(1, warnings("UNKNOWN_MODEL_PRICE").size(), heard.warnings().toString());
    assertEquals(
        1, shadow.status(SubjectRef.user("c")).limit("daily-requests").orElseThrow().used());
  }

  @Test
  void withoutACostLimitOrWithAGivenCostACallNamingNoModelIsAdmitted() {
    QuotaPolicy requestsOnly =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 10))
                    .build())
            .build();
    assertTrue(manager(requestsOnly, DENYING).tryReserve(twoMillionTokens("d")).allowed());
    assertTrue(
        manager(centADay(LimitMode.ENFORCE), DENYING)
            .tryReserve(
                UsageRequest.forUser("e")
                    .estimatedTokens(1_000, 0)
                    .estimatedCost(new BigDecimal("0.001"))
                    .build())
            .allowed(),
        "the caller gave the cost");
  }

  @Test
  void theZeroPolicyWarnsOnceForCallsNamingNoModelAndOncePerUnpricedModel() {
    QuotaManager m = manager(centADay(LimitMode.ENFORCE), PriceTable.defaults());
    for (int i = 0; i < 3; i++) {
      try (Reservation r = m.reserve(twoMillionTokens("f"))) {
        r.commit(Usage.of(2_000_000, 0));
      }
    }
    for (int i = 0; i < 2; i++) {
      try (Reservation r =
          m.reserve(UsageRequest.forUser("f").model("acme-llm").estimatedTokens(10, 0))) {
        r.commit(Usage.of(10, 0));
      }
    }
    List<String> w = warnings("UNKNOWN_MODEL_PRICE");
    assertEquals(2, w.size(), w.toString());
    assertTrue(w.get(0).contains("names no model"), w.get(0));
    assertTrue(w.get(1).contains("acme-llm"), w.get(1));
    assertEquals(0, m.status(SubjectRef.user("f")).limit("daily-cost").orElseThrow().used());
  }

  /** Usage that happened is kept, priced at zero with a warning, never thrown away. */
  @Test
  void usageOfAnUnpricedModelIsRecordedAndCommittedUnderDeny() {
    QuotaManager m = manager(centADay(LimitMode.ENFORCE), DENYING);
    assertTrue(
        m.record(
            "sync-1", UsageRequest.forUser("g").model("acme-llm").build(), Usage.of(1_000, 100)));
    try (Reservation r =
        m.reserve(UsageRequest.forUser("g").model("gpt-4o-mini").estimatedTokens(100, 10))) {
      assertEquals(
          Reservation.Outcome.COMMITTED, r.commit(Usage.of(100, 10).withModel("acme-llm-2")));
    }
    assertTrue(
        m.record("sync-2", UsageRequest.forUser("g").build(), Usage.of(5, 5)),
        "a recorded call naming no model");
    List<UsageEvent> events =
        store.findEvents(EventQuery.all(10)).stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .toList();
    assertEquals(3, events.size());
    assertEquals(List.of(0L, 0L, 0L), events.stream().map(UsageEvent::costMicros).toList());
    assertEquals(3, m.status(SubjectRef.user("g")).limit("daily-requests").orElseThrow().used());
    assertEquals(3, warnings("UNKNOWN_MODEL_PRICE").size(), heard.warnings().toString());
  }
}
