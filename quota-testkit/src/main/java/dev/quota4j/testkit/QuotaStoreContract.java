package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.UnknownSubjects;
import dev.quota4j.Usage;
import dev.quota4j.UsageLevel;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.Workflow;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link QuotaStore} keeps. A backend's test is a subclass that supplies a
 * fresh, empty store; every test here runs against it, through the {@link QuotaManager} and through
 * the SPI directly. Nothing sleeps: time moves on a {@link MutableClock}.
 *
 * <p>This class holds the windows, thresholds, modes, subjects, workflows, ledger and concurrency
 * tests; the fixture and the reservation tests are inherited from {@link
 * QuotaStoreReservationTests}.
 */
public abstract class QuotaStoreContract extends QuotaStoreReservationTests {
  // ------------------------------------------------------------------ windows

  private void assertDailyWindow(ZoneId zone, String localDay, Duration length) {
    QuotaPolicy policy = userDaily(100).toBuilder().zone(zone).build();
    QuotaManager m = manager(policy);
    LocalDate day = LocalDate.parse(localDay);
    ZonedDateTime start = day.atStartOfDay(zone);
    ZonedDateTime next = day.plusDays(1).atStartOfDay(zone);
    assertEquals(length, Duration.between(start, next));
    String user = "w-" + zone.getId().replace('/', '-') + "-" + localDay;
    clock.set(start.toInstant().plusSeconds(60));
    try (Reservation r = m.reserve(UsageRequest.forUser(user).estimatedTokens(100, 0))) {
      r.commit(Usage.of(100, 0));
    }
    clock.set(next.toInstant().minusSeconds(1));
    QuotaDecision d = m.tryReserve(UsageRequest.forUser(user).estimatedTokens(1, 0));
    assertFalse(d.allowed(), "still the same local day");
    assertEquals(next.toInstant(), d.denial().resetsAt());
    assertEquals(Duration.ofSeconds(1), d.denial().retryAfter());
    clock.set(next.toInstant());
    try (Reservation r = m.reserve(UsageRequest.forUser(user).estimatedTokens(100, 0))) {
      r.commit(Usage.of(100, 0));
    }
    LimitStatus s = statusOf(m, SubjectRef.user(user), "user-daily-tokens");
    assertEquals(100, s.used());
    assertEquals(next.toInstant(), s.windowStart());
    assertEquals(day.plusDays(2).atStartOfDay(zone).toInstant(), s.resetsAt());
  }

  @Test
  void dayRollsOverAtLocalMidnightInANonUtcZone() {
    assertDailyWindow(ZoneId.of("Asia/Kolkata"), "2026-11-25", Duration.ofHours(24));
  }

  @Test
  void springForwardDayLasts23Hours() {
    assertDailyWindow(ZoneId.of("America/New_York"), "2026-03-08", Duration.ofHours(23));
  }

  @Test
  void fallBackDayLasts25Hours() {
    assertDailyWindow(ZoneId.of("America/New_York"), "2026-11-01", Duration.ofHours(25));
  }

  @Test
  void monthRollsOverAtMonthEndAndLeapDayBelongsToFebruary() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("monthly", Metric.REQUESTS, Window.MONTH, 2))
                    .limit(Limit.of("daily", Metric.REQUESTS, Window.DAY, 1))
                    .build())
            .build();
    QuotaManager m = manager(policy);
    clock.set(Instant.parse("2026-01-31T23:59:59Z"));
    commitOne(m, "mo");
    clock.set(Instant.parse("2026-02-01T00:00:00Z"));
    commitOne(m, "mo");
    LimitStatus month = statusOf(m, SubjectRef.user("mo"), "monthly");
    assertEquals(1, month.used());
    assertEquals(Instant.parse("2026-03-01T00:00:00Z"), month.resetsAt());
    // 2028 is a leap year: Feb 28 and Feb 29 are different days of the same month
    clock.set(Instant.parse("2028-02-28T12:00:00Z"));
    commitOne(m, "leap");
    clock.set(Instant.parse("2028-02-29T00:00:00Z"));
    commitOne(m, "leap");
    LimitStatus leapDay = statusOf(m, SubjectRef.user("leap"), "daily");
    assertEquals(Instant.parse("2028-02-29T00:00:00Z"), leapDay.windowStart());
    assertEquals(Instant.parse("2028-03-01T00:00:00Z"), leapDay.resetsAt());
    clock.set(Instant.parse("2028-02-29T23:59:59Z"));
    QuotaDecision d = m.tryReserve(UsageRequest.forUser("leap").estimatedTokens(1, 0));
    assertFalse(d.allowed());
    assertEquals("monthly", d.denial().limitName());
    assertEquals(Instant.parse("2028-03-01T00:00:00Z"), d.denial().resetsAt());
  }

  private static void commitOne(QuotaManager m, String user) {
    try (Reservation r = m.reserve(UsageRequest.forUser(user).estimatedTokens(1, 0))) {
      r.commit(Usage.of(1, 0));
    }
  }

  @Test
  void hourlySystemWindowRollsOverOnTheHour() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 100)
                    .appliesTo(SubjectKind.SYSTEM))
            .build();
    QuotaManager m = manager(policy);
    clock.set(Instant.parse("2026-11-25T10:59:00Z"));
    try (Reservation r = m.reserve(UsageRequest.forUser("x").estimatedTokens(100, 0))) {
      r.commit(Usage.of(100, 0));
    }
    assertFalse(m.tryReserve(UsageRequest.forUser("y").estimatedTokens(1, 0)).allowed());
    clock.set(Instant.parse("2026-11-25T11:00:00Z"));
    assertTrue(m.check(UsageRequest.forUser("y").estimatedTokens(100, 0)).allowed());
  }

  // ------------------------------------------------------------------ thresholds, modes, subjects

  @Test
  void thresholdsFireOncePerLevelPerWindow() {
    QuotaManager m = manager(userDaily(100));
    long[] commits = {30, 50, 15, 4, 10};
    for (long c : commits) {
      try (Reservation r = m.reserve(UsageRequest.forUser("tina").estimatedTokens(0, 0))) {
        r.commit(Usage.of(c, 0));
      }
    }
    // usage recorded past the limit crosses nothing new
    m.record("after-100", UsageRequest.forUser("tina").build(), Usage.of(10, 0));
    List<Integer> fired = heard.thresholds().stream().map(ThresholdEvent::percent).toList();
    assertEquals(List.of(75, 90, 100), fired);
    List<UsageLevel> levels = heard.thresholds().stream().map(ThresholdEvent::level).toList();
    assertEquals(List.of(UsageLevel.WARNING, UsageLevel.CRITICAL, UsageLevel.EXCEEDED), levels);
    clock.advance(Duration.ofDays(1));
    try (Reservation r = m.reserve(UsageRequest.forUser("tina").estimatedTokens(0, 0))) {
      r.commit(Usage.of(80, 0));
    }
    assertEquals(4, heard.thresholds().size(), "a new window fires again");
  }

  @Test
  void shadowAndSoftLimitsCountButNeverDeny() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(
                        Limit.of("shadow-daily", Metric.TOKENS, Window.DAY, 100)
                            .mode(LimitMode.SHADOW))
                    .limit(
                        Limit.of("soft-requests", Metric.REQUESTS, Window.DAY, 1)
                            .mode(LimitMode.SOFT))
                    .build())
            .build();
    QuotaManager m = manager(policy);
    for (int i = 0; i < 3; i++) {
      try (Reservation r = m.reserve(UsageRequest.forUser("sam").estimatedTokens(60, 0))) {
        r.commit(Usage.of(60, 0));
      }
    }
    assertEquals(180, statusOf(m, SubjectRef.user("sam"), "shadow-daily").used());
    assertEquals(3, statusOf(m, SubjectRef.user("sam"), "soft-requests").used());
    assertTrue(heard.denials().isEmpty());
    assertEquals(4, heard.wouldDeny().size(), "2 shadow + 2 soft would-be denials");
  }

  @Test
  void subjectsAreCreatedOnTheDefaultPlanKeptAndDeactivated() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 100))
                    .build())
            .plan(
                Plan.builder("pro")
                    .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 10_000))
                    .build())
            .defaultPlan("free")
            .build();
    QuotaManager m = manager(policy);
    SubjectRef u = SubjectRef.user("uma");
    assertTrue(store.findSubject(u).isEmpty());
    assertTrue(m.check(UsageRequest.forUser("uma").estimatedTokens(100, 0)).allowed());
    assertTrue(store.findSubject(u).isEmpty(), "check creates nothing");
    commitOne(m, "uma");
    SubjectRecord rec = store.findSubject(u).orElseThrow();
    assertEquals("free", rec.plan());
    assertTrue(rec.active());
    assertFalse(m.tryReserve(UsageRequest.forUser("uma").estimatedTokens(100, 0)).allowed());
    store.saveSubject(rec.withPlan("pro", clock.instant()));
    assertTrue(m.tryReserve(UsageRequest.forUser("uma").estimatedTokens(100, 0)).allowed());
    store.saveSubject(
        rec.withPlan("pro", clock.instant())
            .withOverrides(Map.of("user-daily-tokens", 50L), clock.instant()));
    QuotaDecision over = m.tryReserve(UsageRequest.forUser("uma").estimatedTokens(100, 0));
    assertEquals(50, over.denial().limit());
    assertEquals(Map.of("user-daily-tokens", 50L), store.findSubject(u).orElseThrow().overrides());
    store.saveSubject(store.findSubject(u).orElseThrow().withActive(false, clock.instant()));
    assertEquals(
        DenialCodes.USER_INACTIVE,
        m.tryReserve(UsageRequest.forUser("uma").estimatedTokens(1, 0)).denial().code());
    SubjectRecord created = SubjectRecord.create(SubjectRef.user("vic"), "pro", clock.instant());
    assertEquals("pro", store.createSubjectIfAbsent(created).plan());
    assertEquals(
        "pro",
        store
            .createSubjectIfAbsent(
                SubjectRecord.create(SubjectRef.user("vic"), "free", clock.instant()))
            .plan());
  }

  @Test
  void unknownSubjectsCanBeDenied() {
    QuotaManager m =
        manager(userDaily(100).toBuilder().unknownSubjects(UnknownSubjects.DENY).build());
    QuotaDecision d = m.tryReserve(UsageRequest.forUser("nobody").estimatedTokens(1, 0));
    assertEquals(DenialCodes.USER_NOT_FOUND, d.denial().code());
    store.saveSubject(SubjectRecord.create(SubjectRef.user("nobody"), "free", clock.instant()));
    assertTrue(m.tryReserve(UsageRequest.forUser("nobody").estimatedTokens(1, 0)).allowed());
  }

  @Test
  void deniedCallsAreWrittenToTheLedger() {
    QuotaManager m = manager(userDaily(10));
    QuotaDecision d =
        m.tryReserve(UsageRequest.forUser("zed").operation("chat").estimatedTokens(20, 0));
    assertFalse(d.allowed());
    List<UsageEvent> events =
        store.findEvents(EventQuery.all(10).forSubject(SubjectRef.user("zed")));
    assertEquals(1, events.size());
    assertEquals(EventStatus.QUOTA_EXCEEDED, events.get(0).status());
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, events.get(0).errorCode());
    assertEquals("chat", events.get(0).operation());
  }

  // ------------------------------------------------------------------ workflows

  @Test
  void workflowsAreLimitedInConcurrencyAndSteps() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("max-concurrent-workflows", Metric.REQUESTS, Window.CONCURRENT, 2)
                    .appliesTo(SubjectKind.SYSTEM))
            .limit(
                Limit.of("max-steps-per-workflow", Metric.REQUESTS, Window.CONCURRENT, 3)
                    .appliesTo(SubjectKind.WORKFLOW))
            .build();
    QuotaManager m = manager(policy);
    SubjectRef u = SubjectRef.user("wally");
    Workflow one = m.openWorkflow(u);
    Workflow two = m.openWorkflow(u);
    QuotaExceededException full =
        assertThrows(QuotaExceededException.class, () -> m.openWorkflow(u));
    assertEquals(DenialCodes.CONCURRENT_WORKFLOW_LIMIT_EXCEEDED, full.code());
    two.close();
    two.close();
    try (Workflow three = m.openWorkflow(u)) {
      assertNotNull(three.id());
    }
    for (int i = 0; i < 2; i++) {
      try (Reservation r = one.reserve(UsageRequest.forUser("wally").estimatedTokens(10, 10))) {
        r.commit(Usage.of(10, 10));
      }
    }
    // a released step is given back
    one.reserve(UsageRequest.forUser("wally").estimatedTokens(1, 1)).close();
    try (Reservation r = one.reserve(UsageRequest.forUser("wally").estimatedTokens(10, 10))) {
      r.commit(Usage.of(10, 10));
    }
    QuotaExceededException steps =
        assertThrows(
            QuotaExceededException.class,
            () -> one.reserve(UsageRequest.forUser("wally").estimatedTokens(1, 1)).close());
    assertEquals(DenialCodes.WORKFLOW_STEP_LIMIT_EXCEEDED, steps.code());
    assertEquals(3, steps.denial().used());
    assertEquals(
        4,
        store.findEvents(EventQuery.all(100).forWorkflow(one.id())).stream()
            .filter(e -> e.status() != EventStatus.QUOTA_EXCEEDED)
            .count());
    one.close();
  }

  /**
   * A workflow's step counter never resets while the workflow runs, but ends, for the store, a
   * workflowMaxDuration after the first step (later steps do not move that end), so that retention
   * deletes it once it has been ended for the counter age: finished workflows leave no counters.
   */
  @Test
  void workflowStepCountersAreDeletedByRetentionAfterTheWorkflowsMaxDuration() {
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .limit(
                Limit.of("max-steps-per-workflow", Metric.REQUESTS, Window.CONCURRENT, 3)
                    .appliesTo(SubjectKind.WORKFLOW))
            .build();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(policy)
            .clock(clock)
            .defaultLogging(false)
            .workflowMaxDuration(Duration.ofHours(2))
            .build();
    dev.quota4j.RetentionPolicy retention =
        dev.quota4j.RetentionPolicy.defaults().withCounterAge(Duration.ofHours(1));
    SubjectRef steps = SubjectRef.workflow("long-wf");
    try (Workflow w = m.openWorkflow(SubjectRef.user("wendy"), "long-wf")) {
      for (int i = 0; i < 2; i++) {
        try (Reservation r = w.reserve(UsageRequest.forUser("wendy").estimatedTokens(1, 1))) {
          r.commit(Usage.of(1, 1));
        }
        clock.advance(Duration.ofMinutes(60));
      }
      // 2 h after the first step: the counter ends now, not an hour ago
      assertEquals(0, dev.quota4j.Retention.of(store, retention, clock).runOnce().countersPurged());
      assertEquals(2, m.status(steps).limit("max-steps-per-workflow").orElseThrow().used());
      try (Reservation r = w.reserve(UsageRequest.forUser("wendy").estimatedTokens(1, 1))) {
        r.commit(Usage.of(1, 1));
      }
      assertThrows(
          QuotaExceededException.class,
          () -> w.reserve(UsageRequest.forUser("wendy").estimatedTokens(1, 1)).close(),
          "the count is kept while the workflow runs");
    }
    // the first step + 2 h (the counter's end, which the later steps did not move) + 1 h (the
    // counter age) has passed
    clock.advance(Duration.ofMinutes(61));
    assertEquals(1, dev.quota4j.Retention.of(store, retention, clock).runOnce().countersPurged());
    assertEquals(0, m.status(steps).limit("max-steps-per-workflow").orElseThrow().used());
    assertEquals(0, dev.quota4j.Retention.of(store, retention, clock).runOnce().countersPurged());
  }

  // ------------------------------------------------------------------ ledger and hostile ids

  @Test
  void ledgerQueriesFilterByTimeSubjectAndWorkflow() {
    QuotaManager m = manager(userDaily(1_000_000));
    m.record("e1", UsageRequest.forUser("a").workflow("w1").build(), Usage.of(1, 1));
    clock.advance(Duration.ofMinutes(1));
    m.record("e2", UsageRequest.forUser("b").workflow("w1").build(), Usage.of(2, 2));
    clock.advance(Duration.ofMinutes(1));
    m.record("e3", UsageRequest.forUser("a").build(), Usage.of(3, 3));
    assertEquals(3, store.findEvents(EventQuery.all(10)).size());
    assertEquals(
        List.of("e1", "e3"),
        store.findEvents(EventQuery.all(10).forSubject(SubjectRef.user("a"))).stream()
            .map(UsageEvent::eventId)
            .toList());
    assertEquals(
        List.of("e1", "e2"),
        store.findEvents(EventQuery.all(10).forWorkflow("w1")).stream()
            .map(UsageEvent::eventId)
            .toList());
    Instant t0 = Instant.parse("2026-11-25T10:16:00Z");
    assertEquals(
        List.of("e2"),
        store.findEvents(new EventQuery(t0, t0.plusSeconds(60), null, null, 10)).stream()
            .map(UsageEvent::eventId)
            .toList());
    assertEquals(2, store.findEvents(EventQuery.all(2)).size());
  }

  @Test
  void hostileIdsAreStoredAndReturnedExactly() {
    QuotaManager m = manager(userDaily(1_000));
    String nasty = "o'brien\"; DROP TABLE counters; --\n\t\u0000\u2028é🙂";
    String longId = "x".repeat(255);
    UsageRequest req =
        UsageRequest.forUser(nasty).agent(nasty).tool(longId).tag("k'ey", "v;al").build();
    assertTrue(m.record(nasty, req, Usage.of(5, 5)));
    try (Reservation r = m.reserve(req.toBuilder().estimatedTokens(1, 1))) {
      r.commit(Usage.of(1, 1));
    }
    List<UsageEvent> events =
        store.findEvents(EventQuery.all(10).forSubject(SubjectRef.user(nasty)));
    assertEquals(2, events.size());
    assertEquals(nasty, events.get(0).eventId());
    assertEquals(nasty, events.get(0).agent());
    assertEquals(longId, events.get(0).tool());
    assertEquals(Map.of("k'ey", "v;al"), events.get(0).tags());
    assertEquals(12, statusOf(m, SubjectRef.user(nasty), "user-daily-tokens").used());
    assertEquals(nasty, store.findSubject(SubjectRef.user(nasty)).orElseThrow().subject().id());
  }

  // ------------------------------------------------------------------ concurrency invariant

  /**
   * Many threads reserve and commit random amounts against a shared user daily limit and a smaller
   * shared system hourly limit, far beyond both. Nothing is ever over-admitted, the tighter limit
   * is filled exactly, and counters equal the sum of commits and the ledger.
   */
  @Test
  void concurrentReservationsNeverOverAdmitAndFillTheLimitExactly() throws Exception {
    long userLimit = 6_000;
    long systemLimit = 4_000;
    QuotaPolicy policy =
        userDaily(userLimit).toBuilder()
            .limit(
                Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, systemLimit)
                    .appliesTo(SubjectKind.SYSTEM))
            .build();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(policy)
            .clock(clock)
            .defaultLogging(false)
            .recordDenials(false)
            .build();
    AtomicLong committed = new AtomicLong();
    AtomicLong releasedAttempts = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      String user = "shared";
      futures.add(
          pool.submit(
              () -> {
                start.await();
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int misses = 0;
                while (misses < 3) {
                  boolean small = misses > 0;
                  long input = small ? 1 : rnd.nextLong(1, 40);
                  long output = small ? 0 : rnd.nextLong(0, 40);
                  QuotaDecision d =
                      m.tryReserve(UsageRequest.forUser(user).estimatedTokens(input, output));
                  if (!d.allowed()) {
                    String code = d.denial().code();
                    if (!code.equals(DenialCodes.SYSTEM_HOURLY_LIMIT_EXCEEDED)
                        && !code.equals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED)) {
                      errors.add(new AssertionError("unexpected denial " + code));
                    }
                    misses++;
                    continue;
                  }
                  try (Reservation r = d.reservation()) {
                    if (!small && rnd.nextInt(10) == 0) {
                      releasedAttempts.incrementAndGet();
                      continue; // released without a call
                    }
                    r.commit(Usage.of(input, output));
                    committed.addAndGet(input + output);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        errors.add(e.getCause());
      }
    }
    pool.shutdown();
    assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    // fill whatever releases freed after the threads stopped, one token at a time
    while (true) {
      QuotaDecision d = m.tryReserve(UsageRequest.forUser("shared").estimatedTokens(1, 0));
      if (!d.allowed()) {
        break;
      }
      try (Reservation r = d.reservation()) {
        r.commit(Usage.of(1, 0));
        committed.incrementAndGet();
      }
    }
    LimitStatus system = statusOf(m, SubjectRef.SYSTEM, "system-hourly-tokens");
    LimitStatus user = statusOf(m, SubjectRef.user("shared"), "user-daily-tokens");
    assertEquals(systemLimit, system.used(), "the tighter limit is filled exactly");
    assertEquals(0, system.reserved());
    assertEquals(committed.get(), system.used(), "stored usage == sum of commits");
    assertEquals(committed.get(), user.used());
    assertTrue(user.used() <= userLimit);
    assertEquals(committed.get(), ledgerTokensAll(), "counters == ledger");
  }

  /** A helper for subclasses: how a denial looks when a test wants to print it. */
  protected static String describe(QuotaDenial d) {
    return d.code() + " " + d.message();
  }
}
