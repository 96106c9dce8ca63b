package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: moving an anonymous session to a user on sign-up charged only the user limits of
 * exactly the same shape as a session limit. With plans that differ, the user's monthly requests,
 * daily tokens and other limits showed 0 while the reports showed the calls. Every user limit that
 * would have counted the session's calls (metric, current window, filters) must be charged exactly
 * that usage, once. A backend's test is a subclass that supplies a fresh, empty store.
 */
public abstract class AnonymousMigrationContract {
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  private static final Instant DAY = Instant.parse("2026-11-25T00:00:00Z");
  private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant NEXT_MONTH = Instant.parse("2026-12-01T00:00:00Z");

  protected QuotaStore store;
  protected MutableClock clock;

  /** A fresh, empty store. Called before each test. */
  protected abstract QuotaStore newStore();

  @BeforeEach
  void setUpStore() {
    store = newStore();
    clock = MutableClock.at(NOW);
  }

  @AfterEach
  void tearDownStore() {
    if (store != null) {
      store.close();
    }
  }

  /** The anonymous plan counts messages only; the user's plan counts much else. */
  private static QuotaPolicy plans() {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder("anonymous")
                .limit(Limit.of("anon-daily-messages", Metric.REQUESTS, Window.DAY, 50))
                .build())
        .plan(
            Plan.builder("free")
                .limit(Limit.of("monthly-requests", Metric.REQUESTS, Window.MONTH, 5_000))
                .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000_000))
                .limit(
                    Limit.of("daily-mini-tokens", Metric.TOKENS, Window.DAY, 1_000_000)
                        .forModels("gpt-4o-mini"))
                .limit(Limit.ofCost("daily-cost", Window.DAY, new BigDecimal("50.00")))
                .limit(
                    Limit.of("daily-anthropic-requests", Metric.REQUESTS, Window.DAY, 100)
                        .forProviders("anthropic"))
                .limit(
                    Limit.of(
                            "daily-output-not-summaries",
                            Metric.OUTPUT_TOKENS,
                            Window.DAY,
                            1_000_000)
                        .exceptOperations("summarize"))
                .limit(Limit.of("daily-characters", Metric.CHARACTERS, Window.DAY, 1_000_000))
                .build())
        .defaultPlan("free")
        .defaultPlan(SubjectKind.ANONYMOUS, "anonymous")
        .build();
  }

  private static PriceTable prices() {
    LocalDate from = LocalDate.of(2024, 1, 1);
    return PriceTable.builder()
        .price("gpt-4o-mini", "0.15", "0.60", "0.075", from)
        .price("gpt-4o", "2.50", "10.00", "1.25", from)
        .build();
  }

  private QuotaManager manager() {
    return QuotaManager.builder()
        .store(store)
        .policy(plans())
        .pricing(prices())
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  private static UsageRequest call(
      SubjectRef who, String provider, String model, String operation, long chars) {
    return UsageRequest.forSubject(who)
        .provider(provider)
        .model(model)
        .operation(operation)
        .characters(chars)
        .estimatedTokens(2_000, 500)
        .build();
  }

  private static long micros(long in, long out, String inPrice, String outPrice) {
    return new BigDecimal(inPrice)
        .multiply(BigDecimal.valueOf(in))
        .add(new BigDecimal(outPrice).multiply(BigDecimal.valueOf(out)))
        .longValueExact();
  }

  @Test
  void everyUserLimitIsChargedWhatTheSessionUsedUnderItsFiltersOnce() {
    QuotaManager m = manager();
    QuotaAdmin admin = QuotaAdmin.of(m);
    SubjectRef anon = SubjectRef.anonymous("sess-1");
    SubjectRef user = SubjectRef.user("u-1");

    // yesterday: moved in the ledger, counts in the month only
    clock.set(Instant.parse("2026-11-24T20:00:00Z"));
    try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 10))) {
      r.commit(Usage.of(700, 70));
    }
    clock.set(NOW);
    // today: 2 chats on gpt-4o-mini, 1 summary on gpt-4o, 1 failed call billed, 1 released,
    // 1 recorded anthropic call
    for (int i = 0; i < 2; i++) {
      try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 100))) {
        r.commit(Usage.of(1_000, 200));
      }
    }
    try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o", "summarize", 40))) {
      r.commit(Usage.of(500, 100));
    }
    try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 30))) {
      r.fail("timeout", Usage.of(300, 0));
    }
    try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 20))) {
      // released: counts nothing
    }
    assertTrue(
        m.record(
            "sync-1",
            call(anon, "anthropic", "claude-3-5-haiku", "chat", 60),
            Usage.of(400, 50).withCost(new BigDecimal("0.002"))));
    // the user's own call, before the sign-up
    try (Reservation r = m.reserve(call(user, "openai", "gpt-4o-mini", "chat", 5))) {
      r.commit(Usage.of(20, 10));
    }

    long miniCost = micros(1_000, 200, "0.15", "0.60");
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("monthly-requests", 1L + 2 + 1 + 1 + 1 + 1); // yesterday, 2, 1, failed, sync, own
    expected.put("daily-tokens", 2 * 1_200L + 600 + 300 + 450 + 30);
    expected.put("daily-mini-tokens", 2 * 1_200L + 300 + 30);
    expected.put(
        "daily-cost",
        2 * miniCost
            + micros(500, 100, "2.50", "10.00")
            + micros(300, 0, "0.15", "0.60")
            + 2_000
            + micros(20, 10, "0.15", "0.60"));
    expected.put("daily-anthropic-requests", 1L);
    expected.put("daily-output-not-summaries", 2 * 200L + 0 + 50 + 10);
    expected.put("daily-characters", 2 * 100L + 40 + 30 + 60 + 5);

    PeriodStats dayBefore = UsageReports.of(m).periodStats(null, DAY, NOW.plusSeconds(1));
    PeriodStats monthBefore = UsageReports.of(m).periodStats(null, MONTH, NEXT_MONTH);
    long sessionEvents = store.findEvents(EventQuery.all(1_000).forSubject(anon)).size();

    assertTrue(admin.migrateAnonymous(anon, user, "signup-sess-1"));

    Map<String, Long> used = usedOf(m, user);
    assertEquals(expected, used, "each user limit shows what the session and the user used");
    assertEquals(0, m.status(anon).limit("anon-daily-messages").orElseThrow().used());
    assertEquals(0, store.findEvents(EventQuery.all(1_000).forSubject(anon)).size());
    assertEquals(
        sessionEvents + 1 + 1, // the session's, the user's call, the audit event
        store.findEvents(EventQuery.all(1_000).forSubject(user)).size());

    // a second migration with the same id changes nothing
    assertFalse(admin.migrateAnonymous(anon, user, "signup-sess-1"));
    assertEquals(expected, usedOf(m, user), "counted once");
    // nor does another id: the session has nothing left to move
    assertTrue(admin.migrateAnonymous(anon, user, "signup-sess-1-again"));
    assertEquals(expected, usedOf(m, user), "counted once");

    // reports: the same calls, now the user's
    PeriodStats dayAfter = UsageReports.of(m).periodStats(null, DAY, NOW.plusSeconds(1));
    assertEquals(dayBefore.total(), dayAfter.total());
    assertEquals(
        monthBefore.total(), UsageReports.of(m).periodStats(null, MONTH, NEXT_MONTH).total());
    PeriodStats userDay = UsageReports.of(m).periodStats(user, DAY, NOW.plusSeconds(1));
    assertEquals(dayBefore.total().calls(), userDay.total().calls());
    assertEquals(expected.get("daily-tokens"), userDay.total().totalTokens());
  }

  @Test
  void aSessionWithNoUsageInTheCurrentWindowsChargesNothing() {
    QuotaManager m = manager();
    SubjectRef anon = SubjectRef.anonymous("sess-2");
    SubjectRef user = SubjectRef.user("u-2");
    clock.set(Instant.parse("2026-10-31T23:00:00Z"));
    try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 10))) {
      r.commit(Usage.of(100, 10));
    }
    clock.set(NOW);
    assertTrue(QuotaAdmin.of(m).migrateAnonymous(anon, user, "signup-sess-2"));
    usedOf(m, user).forEach((limit, used) -> assertEquals(0L, used, limit));
    assertEquals(
        1,
        store.findEvents(EventQuery.all(100).forSubject(user)).stream()
            .filter(e -> e.status() == EventStatus.SUCCESS)
            .count(),
        "the old call moved in the ledger");
  }

  /**
   * Calls of the session that land while it is being migrated are counted once: each either moved
   * with its event and charged to the user, or left with the session on both its counter and its
   * event.
   */
  @Test
  void callsLandingDuringTheMigrationAreCountedOnce() throws Exception {
    QuotaManager m = manager();
    SubjectRef anon = SubjectRef.anonymous("sess-3");
    SubjectRef user = SubjectRef.user("u-3");
    int threads = 3;
    int calls = 15; // per thread: 45 of the session's 50 a day
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch halfway = new CountDownLatch(threads * calls / 2);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < calls; i++) {
                  try (Reservation r = m.reserve(call(anon, "openai", "gpt-4o-mini", "chat", 1))) {
                    r.commit(Usage.of(10, 1));
                  }
                  halfway.countDown();
                }
                return null;
              }));
    }
    assertTrue(halfway.await(60, TimeUnit.SECONDS));
    assertTrue(QuotaAdmin.of(m).migrateAnonymous(anon, user, "signup-sess-3"));
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long userCalls = successes(user);
    long sessionCalls = successes(anon);
    assertEquals((long) threads * calls, userCalls + sessionCalls);
    assertTrue(userCalls >= threads * calls / 2, "moved: " + userCalls);
    Map<String, Long> used = usedOf(m, user);
    assertEquals(userCalls, used.get("monthly-requests"), used.toString());
    assertEquals(11 * userCalls, used.get("daily-tokens"), used.toString());
    assertEquals(
        sessionCalls, m.status(anon).limit("anon-daily-messages").orElseThrow().used(), "session");
  }

  private long successes(SubjectRef s) {
    return store.findEvents(EventQuery.all(1_000).forSubject(s)).stream()
        .filter(e -> e.status() == EventStatus.SUCCESS)
        .count();
  }

  private static Map<String, Long> usedOf(QuotaManager m, SubjectRef user) {
    Map<String, Long> used = new LinkedHashMap<>();
    for (LimitStatus l : m.status(user).limits()) {
      used.put(l.limitName(), l.used());
    }
    return used;
  }
}
