package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
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
import dev.quota4j.UsageLevel;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.reports.HealthLimit;
import dev.quota4j.reports.HealthSummary;
import dev.quota4j.reports.KeyState;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.ProviderKeyStatus;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The status report and administration part of {@link ReportsContract}: provider keys, health, plan
 * changes, resets, temporary increases and anonymous migration.
 */
public abstract class ReportsAdminTests extends ReportsQueryTests {
  // ---------------------------------------------------------------- status reports

  @Test
  void providerKeyStatusAndChoice() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("key-daily-chars", Metric.CHARACTERS, Window.DAY, 1_000)
                    .appliesTo(SubjectKind.PROVIDER_KEY))
            .limit(
                Limit.of("key-daily-requests", Metric.REQUESTS, Window.DAY, 100)
                    .appliesTo(SubjectKind.PROVIDER_KEY))
            .limit( // counted to be shown: never changes a key's state
                Limit.of("key-daily-calls-shown", Metric.REQUESTS, Window.DAY, 1)
                    .appliesTo(SubjectKind.PROVIDER_KEY)
                    .mode(dev.quota4j.LimitMode.SHADOW))
            .build();
    QuotaManager m = manager(s, policy, clock);
    Map<String, Long> chars =
        new TreeMap<>(
            Map.of(
                "groq_1",
                100L,
                "groq_2",
                800L,
                "groq_3",
                900L,
                "groq_4",
                1_000L,
                "groq \"5\",",
                0L));
    int n = 0;
    for (Map.Entry<String, Long> e : chars.entrySet()) {
      if (e.getValue() > 0) {
        m.record(
            "k" + n++,
            UsageRequest.forUser("u").providerKey(e.getKey()).characters(e.getValue()).build(),
            Usage.of(10, 10));
      }
    }
    UsageReports r = UsageReports.of(m);
    List<String> keys = List.of("groq_4", "groq_1", "groq_2", "groq_3", "groq \"5\",");
    List<ProviderKeyStatus> st = r.providerKeys(keys);
    assertEquals(keys, st.stream().map(ProviderKeyStatus::key).toList());
    assertEquals(
        List.of(
            KeyState.DISABLED,
            KeyState.AVAILABLE,
            KeyState.WARNING,
            KeyState.CRITICAL,
            KeyState.AVAILABLE),
        st.stream().map(ProviderKeyStatus::state).toList());
    assertEquals(new BigDecimal("90.0"), st.get(1).remainingPercent());
    assertEquals("key-daily-chars", st.get(1).tightestLimit());
    assertEquals(new BigDecimal("100.0"), st.get(4).remainingPercent());
    assertEquals(Optional.of("groq \"5\","), r.chooseProviderKey(keys));
    assertEquals(Optional.of("groq_1"), r.chooseProviderKey(List.of("groq_4", "groq_2", "groq_1")));
    assertEquals(Optional.empty(), r.chooseProviderKey(List.of("groq_4")));
    assertCsvRoundTrip(ProviderKeyStatus.HEADER, st);

    // stricter thresholds move groq_2 (80 % used) to CRITICAL
    assertEquals(
        KeyState.CRITICAL,
        r.withKeyThresholds(50, 75).providerKeys(List.of("groq_2")).get(0).state());
    assertThrows(IllegalArgumentException.class, () -> r.withKeyThresholds(90, 80));

    // deactivated: disabled; reset one key: available again; reset is audited once
    QuotaAdmin admin = QuotaAdmin.of(m);
    admin.deactivate(SubjectRef.providerKey("groq_1"));
    assertEquals(KeyState.DISABLED, r.providerKeys(List.of("groq_1")).get(0).state());
    admin.activate(SubjectRef.providerKey("groq_1"));
    assertTrue(admin.resetAll(SubjectRef.providerKey("groq_4"), "reset-groq_4"));
    assertFalse(admin.resetAll(SubjectRef.providerKey("groq_4"), "reset-groq_4"));
    assertEquals(KeyState.AVAILABLE, r.providerKeys(List.of("groq_4")).get(0).state());
    assertEquals(3, admin.resetProviderKeys(List.of("groq_1", "groq_2", "groq_3"), "reset-all-1"));
    assertEquals(0, admin.resetProviderKeys(List.of("groq_1", "groq_2", "groq_3"), "reset-all-1"));
    assertTrue(
        r.providerKeys(keys).stream().allMatch(k -> k.state() == KeyState.AVAILABLE), "all reset");
    long audits =
        s.findEvents(EventQuery.all(1000)).stream()
            .filter(e -> e.status() == EventStatus.ADMIN)
            .count();
    assertEquals(2 + 4, audits, "deactivate and activate, four resets");
  }

  @Test
  void healthSummary() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 10))
                    .limit(Limit.of("monthly-tokens", Metric.TOKENS, Window.MONTH, 1_000))
                    .build())
            .defaultPlan("free")
            .build();
    QuotaManager m = manager(s, policy, clock);
    SubjectRef u = SubjectRef.user("h");
    UsageReports r = UsageReports.of(m);
    HealthSummary empty = r.health(u);
    assertTrue(empty.healthy());
    assertEquals(UsageLevel.OK, empty.level());
    for (int i = 0; i < 8; i++) {
      m.record("h" + i, UsageRequest.forUser("h").build(), Usage.of(50, 50));
    }
    HealthSummary h = r.health(u);
    assertFalse(h.healthy());
    assertEquals(UsageLevel.WARNING, h.level()); // 80 % of both: past 75, below 90
    assertEquals(2, h.limits().size());
    HealthLimit tokens =
        h.limits().stream()
            .filter(l -> l.limitName().equals("monthly-tokens"))
            .findFirst()
            .orElseThrow();
    assertEquals(800, tokens.used());
    assertEquals(new BigDecimal("80.0"), tokens.percent());
    assertEquals(2, h.alerts().size());
    assertCsvRoundTrip(HealthLimit.HEADER, h.limits());
    QuotaAdmin.of(m).deactivate(u);
    assertFalse(r.health(u).healthy());
    assertFalse(r.health(u).active());
  }

  // ---------------------------------------------------------------- administration

  static QuotaPolicy tiers() {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("free")
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 50))
                .build())
        .plan(
            Plan.builder("premium")
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 100_000))
                .limit(Limit.of("daily-requests", Metric.REQUESTS, Window.DAY, 5_000))
                .build())
        .plan(
            Plan.builder("anonymous")
                .limit(Limit.of("anon-daily-messages", Metric.REQUESTS, Window.DAY, 50))
                .limit(Limit.of("anon-daily-tokens", Metric.TOKENS, Window.DAY, 2_000))
                .build())
        .defaultPlan("free")
        .build();
  }

  static UsageRequest ask(SubjectRef s, long tokens) {
    return UsageRequest.forSubject(s).estimatedTokens(tokens, 0).build();
  }

  @Test
  void planChangesApplyOnTheNextRequest() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaManager m =
        QuotaManager.builder()
            .store(s)
            .policy(tiers())
            .clock(clock)
            .defaultLogging(false)
            .subjectCacheTtl(Duration.ofHours(1)) // the admin must invalidate it
            .build();
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef u = SubjectRef.user("upgrader");
    try (Reservation r = m.reserve(ask(u, 900))) {
      r.commit(Usage.of(900, 0));
    }
    assertEquals(
        DenialCodes.forLimit(SubjectKind.USER, Metric.TOKENS, Window.DAY),
        m.tryReserve(ask(u, 200)).denial().code());
    assertEquals("premium", admin.assignPlan(u, "premium").plan());
    QuotaDecision up = m.tryReserve(ask(u, 200));
    assertTrue(up.allowed());
    up.reservation().commit(Usage.of(200, 0));
    admin.assignPlan(u, "free");
    assertFalse(m.tryReserve(ask(u, 1)).allowed(), "downgrade applies at once: 1100 of 1000 used");
    assertThrows(IllegalArgumentException.class, () -> admin.assignPlan(u, "gold"));

    // overrides
    admin.setOverride(u, "daily-tokens", 5_000);
    assertTrue(m.check(ask(u, 3_000)).allowed());
    admin.clearOverride(u, "daily-tokens");
    assertFalse(m.check(ask(u, 3_000)).allowed());
    assertThrows(IllegalArgumentException.class, () -> admin.setOverride(u, "no-such-limit", 1));
    assertThrows(IllegalArgumentException.class, () -> admin.setOverride(u, "daily-tokens", -1));

    // deactivate / activate
    admin.deactivate(u);
    assertEquals(DenialCodes.USER_INACTIVE, m.tryReserve(ask(u, 1)).denial().code());
    admin.activate(u);
    admin.setOverride(u, "daily-tokens", 5_000);
    assertTrue(m.check(ask(u, 1)).allowed());
    admin.activate(u); // already active: no change, no audit event

    // each change is in the ledger as an ADMIN event saying what changed (one clock instant: the
    // ledger's order among them is not defined, so compare them sorted)
    List<UsageEvent> audits =
        s.findEvents(EventQuery.all(100).forSubject(u)).stream()
            .filter(e -> e.status() == EventStatus.ADMIN)
            .toList();
    assertEquals(
        java.util.stream.Stream.of(
                "assign_plan: plan free -> premium",
                "assign_plan: plan premium -> free",
                "set_override: override of daily-tokens: none -> 5000",
                "clear_override: override of daily-tokens: 5000 -> none",
                "deactivate: deactivated",
                "activate: activated",
                "set_override: override of daily-tokens: none -> 5000")
            .sorted()
            .toList(),
        audits.stream()
            .map(e -> e.tags().get("action") + ": " + e.errorMessage())
            .sorted()
            .toList());
    assertTrue(audits.stream().allMatch(e -> e.totalTokens() == 0 && e.costMicros() == 0));
  }

  @Test
  void resetOneLimitOrAllWithAnAuditEventOnce() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaManager m = manager(s, tiers(), clock);
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef u = SubjectRef.user("r\"eset,\n");
    for (int i = 0; i < 4; i++) {
      try (Reservation r = m.reserve(ask(u, 200))) {
        r.commit(Usage.of(200, 0));
      }
    }
    Reservation inFlight = m.reserve(ask(u, 100));
    assertEquals(800, m.status(u).limit("daily-tokens").orElseThrow().used());
    assertTrue(admin.reset(u, "daily-tokens", "audit-1"));
    assertEquals(0, m.status(u).limit("daily-tokens").orElseThrow().used());
    assertEquals(100, m.status(u).limit("daily-tokens").orElseThrow().reserved(), "in flight kept");
    assertEquals(4, m.status(u).limit("daily-requests").orElseThrow().used(), "other limit kept");
    inFlight.commit(Usage.of(100, 0));
    assertFalse(admin.reset(u, "daily-tokens", "audit-1"), "same audit id: nothing");
    assertEquals(100, m.status(u).limit("daily-tokens").orElseThrow().used());
    assertTrue(admin.resetAll(u, "audit-2"));
    assertEquals(0, m.status(u).limit("daily-tokens").orElseThrow().used());
    assertEquals(0, m.status(u).limit("daily-requests").orElseThrow().used());
    List<UsageEvent> audits =
        s.findEvents(EventQuery.all(100).forSubject(u)).stream()
            .filter(e -> e.status() == EventStatus.ADMIN)
            .toList();
    assertEquals(List.of("audit-1", "audit-2"), audits.stream().map(UsageEvent::eventId).toList());
    assertEquals("reset", audits.get(0).tags().get("action"));
    assertEquals("daily-tokens", audits.get(0).tags().get("limit"));
    assertThrows(IllegalArgumentException.class, () -> admin.reset(u, "no-such-limit", "a-3"));
    // reports do not count admin events
    assertEquals(
        5,
        UsageReports.of(m)
            .periodStats(u, NOW.minusSeconds(60), NOW.plusSeconds(60))
            .total()
            .calls());
  }

  @Test
  void temporaryIncreaseForOneWindowOnly() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaManager m = manager(s, tiers(), clock);
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef u = SubjectRef.user("burst");
    try (Reservation r = m.reserve(ask(u, 1_000))) {
      r.commit(Usage.of(1_000, 0));
    }
    assertFalse(m.check(ask(u, 500)).allowed());
    admin.temporaryIncrease(u, "daily-tokens", 500);
    assertEquals(1_500, m.status(u).limit("daily-tokens").orElseThrow().limit());
    assertTrue(m.tryReserve(ask(u, 500)).allowed());
    admin.temporaryIncrease(u, "daily-tokens", 600); // replaces the increase of this window
    assertEquals(1_600, m.status(u).limit("daily-tokens").orElseThrow().limit());
    clock.advance(Duration.ofDays(1));
    assertEquals(1_000, m.status(u).limit("daily-tokens").orElseThrow().limit(), "next window");
    admin.setOverride(u, "daily-tokens", 2_000);
    admin.temporaryIncrease(u, "daily-tokens", 10);
    assertEquals(2_010, m.status(u).limit("daily-tokens").orElseThrow().limit());
    assertEquals(
        2,
        s.findSubject(u).orElseThrow().overrides().size(),
        "the increase of the ended window was removed");
    assertThrows(IllegalArgumentException.class, () -> admin.temporaryIncrease(u, "nope", 1));
  }

  @Test
  void migrateAnonymousSessionCountedOnce() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    QuotaManager m = manager(s, tiers(), clock);
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef anon = SubjectRef.anonymous("sess,\"1\"\n");
    s.saveSubject(dev.quota4j.spi.SubjectRecord.create(anon, "anonymous", NOW));
    for (int i = 0; i < 5; i++) {
      try (Reservation r = m.reserve(ask(anon, 100))) {
        r.commit(Usage.of(100, 0));
      }
    }
    SubjectRef user = SubjectRef.user("new-user");
    try (Reservation r = m.reserve(ask(user, 50))) {
      r.commit(Usage.of(50, 0));
    }
    assertTrue(admin.migrateAnonymous(anon, user, "migrate-1"));
    assertEquals(550, m.status(user).limit("daily-tokens").orElseThrow().used());
    assertEquals(6, m.status(user).limit("daily-requests").orElseThrow().used());
    assertEquals(0, m.status(anon).limit("anon-daily-tokens").orElseThrow().used());
    assertEquals(0, s.findEvents(EventQuery.all(100).forSubject(anon)).size());
    assertEquals(
        6,
        s.findEvents(EventQuery.all(100).forSubject(user)).stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .count());
    assertFalse(admin.migrateAnonymous(anon, user, "migrate-1"));
    assertTrue(admin.migrateAnonymous(anon, user, "migrate-2"), "a new id moves what is left");
    assertEquals(550, m.status(user).limit("daily-tokens").orElseThrow().used(), "counted once");
    PeriodStats stats =
        UsageReports.of(m).periodStats(user, NOW.minusSeconds(60), NOW.plusSeconds(60));
    assertEquals(6, stats.total().calls());
    assertEquals(550, stats.total().totalTokens());
    assertThrows(IllegalArgumentException.class, () -> admin.migrateAnonymous(user, anon, "x"));
  }
}
