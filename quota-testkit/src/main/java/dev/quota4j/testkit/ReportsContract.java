package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Retention;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.SubjectStats;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The reports, administration and retention contract of a {@link QuotaStore}. A backend's test is a
 * subclass that supplies stores. The read-only report tests share one store loaded once with a
 * generated workload of {@value #WORKLOAD_EVENTS} events; every figure they check is computed here
 * from the generated events with plain loops, independently of any store. The tests that change
 * data get fresh stores. Nothing sleeps: time moves on a {@link MutableClock}.
 *
 * <p>This class holds the retention and compaction tests; the fixture, the report tests and the
 * administration tests are inherited from {@link ReportsAdminTests}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ReportsContract extends ReportsAdminTests {
  // ---------------------------------------------------------------- retention

  @Test
  void retentionLosesNothingWhenRunTwiceAtOnce() throws Exception {
    QuotaStore a = fresh();
    QuotaStore b = second(a);
    ReportsWorkload small = ReportsWorkload.generate(7, 3_000, NOW, 40);
    small.load(a, loadThreads());
    // every dimension the summaries keep (purged usage loses its workflow: checked below)
    AggregateQuery everything =
        AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1))
            .groupBy(summarized())
            .bucket(Bucket.DAY);
    List<AggregateRow> before = a.aggregate(everything);
    assertSubjectStats(a, small.events, small.start);
    long total = small.events.size();
    MutableClock clock = MutableClock.at(NOW);
    RetentionPolicy policy =
        RetentionPolicy.defaults().withEventAge(Duration.ofDays(20)).withBatchSize(37);
    Retention r1 = Retention.of(a, policy, clock);
    Retention r2 = Retention.of(b, policy, clock);
    Instant cutoff = r1.eventCutoff();
    assertEquals(Instant.parse("2026-11-05T00:00:00Z"), cutoff);
    long old = small.events.stream().filter(e -> e.time().isBefore(cutoff)).count();
    assertTrue(old > 1_000);

    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    try {
      Future<Retention.Result> f1 =
          pool.submit(
              () -> {
                go.await();
                return r1.runOnce();
              });
      Future<Retention.Result> f2 =
          pool.submit(
              () -> {
                go.await();
                return r2.runOnce();
              });
      go.countDown();
      Retention.Result x = f1.get();
      Retention.Result y = f2.get();
      assertEquals(old, x.eventsPurged() + y.eventsPurged(), "each old event purged once");
      assertTrue(x.complete() && y.complete());
    } finally {
      pool.shutdownNow();
    }
    List<UsageEvent> left = a.findEvents(EventQuery.all(100_000));
    assertEquals(total - old, left.size());
    assertTrue(left.stream().noneMatch(e -> e.time().isBefore(cutoff)));
    assertEquals(
        sortedKeys(before), sortedKeys(a.aggregate(everything)), "summaries + events == before");
    assertEquals(0, Retention.of(b, policy, clock).runOnce().eventsPurged());

    // reports over purged days read the summaries: a day's figures are unchanged
    MutableClock rc = MutableClock.at(NOW);
    UsageReports rep = UsageReports.of(manager(a, reportsPolicy(), rc));
    Map<List<Object>, long[]> g =
        groupSums(
            small.events.stream().filter(ReportsWorkload::counts).toList(),
            e -> List.of(e.subject(), LocalDate.ofInstant(e.time(), ZoneOffset.UTC)));
    List<SubjectDay> expected = new ArrayList<>();
    g.forEach(
        (k, s) ->
            expected.add(
                new SubjectDay(
                    (SubjectRef) k.get(0),
                    (LocalDate) k.get(1),
                    s[0],
                    s[2],
                    s[3],
                    s[4],
                    s[3] + s[4],
                    money(s[7]))));
    expected.sort(Comparator.comparing(SubjectDay::subject).thenComparing(SubjectDay::day));
    assertEquals(expected, rep.dailyBySubject(small.start, NOW));

    // workflows are counted from the ledger's events: over purged days their usage counts, their
    // workflows do not
    assertSubjectStats(a, small.events, small.start);
    List<SubjectStats> kept = rep.subjectStats(small.start, NOW);
    List<SubjectStats> unpurged =
        expectedSubjectStats(small.events, small.start, NOW, null, e -> true);
    Function<SubjectStats, List<Object>> usage =
        x -> List.of(x.subject(), x.calls(), x.errors(), x.denials(), x.totalTokens(), x.cost());
    assertEquals(
        unpurged.stream().map(usage).toList(), kept.stream().map(usage).toList(), "usage kept");
    long purgedWorkflows =
        small.events.stream()
            .filter(e -> e.workflowId() != null && ReportsWorkload.counts(e))
            .filter(e -> e.time().isBefore(cutoff))
            .map(UsageEvent::workflowId)
            .distinct()
            .count();
    assertTrue(purgedWorkflows > 10, "workflows purged: " + purgedWorkflows);
    assertTrue(
        kept.stream().mapToLong(SubjectStats::workflows).sum()
            < unpurged.stream().mapToLong(SubjectStats::workflows).sum(),
        "purged workflows no longer counted");
    assertQuery(
        a,
        small.events,
        AggregateQuery.between(small.start, NOW).groupBy(Dimension.SUBJECT, Dimension.WORKFLOW));
  }

  /**
   * Compaction on one instance, retention (compaction, then purging) on another and new events
   * written, all at once: afterwards every figure is what the events say, over whole days (purged
   * days have a resolution of one day), and no event is left out of the rollups.
   */
  @Test
  void compactionPurgingAndWritesAtOnceLoseNothing() throws Exception {
    QuotaStore a = fresh();
    QuotaStore b = second(a);
    ReportsWorkload small = ReportsWorkload.generate(11, 3_000, NOW, 40);
    int half = small.events.size() / 2;
    small.load(a, loadThreads(), 0, half);
    MutableClock clock = MutableClock.at(NOW);
    RetentionPolicy policy =
        RetentionPolicy.defaults().withEventAge(Duration.ofDays(20)).withBatchSize(37);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    CountDownLatch go = new CountDownLatch(1);
    try {
      Future<Long> compacting =
          pool.submit(
              () -> {
                go.await();
                long n = 0;
                for (int i = 0; i < 40; i++) {
                  n += a.compactEvents(23);
                }
                return n;
              });
      Future<Retention.Result> retention =
          pool.submit(
              () -> {
                go.await();
                return Retention.of(b, policy, clock).runOnce();
              });
      Future<?> writing =
          pool.submit(
              () -> {
                go.await();
                small.load(a, 1, half, small.events.size());
                return null;
              });
      go.countDown();
      compacting.get();
      Retention.Result r = retention.get();
      assertTrue(r.complete(), r.toString());
      writing.get();
    } finally {
      pool.shutdownNow();
    }
    assertWholeDays(a, small.events, small.start);
    Retention.Result rest = Retention.of(b, policy, clock).runOnce();
    assertEquals(0, a.compactEvents(100), "nothing left to compact");
    assertWholeDays(b, small.events, small.start);
    long old =
        small.events.stream()
            .filter(e -> e.time().isBefore(Instant.parse("2026-11-05T00:00:00Z")))
            .count();
    assertEquals(
        small.events.size() - old, a.findEvents(EventQuery.all(100_000)).size(), "purged: " + rest);
  }

  /**
   * An event whose time lies in hours and days that compaction has already rolled up, written after
   * that compaction, counts at once (as an event not rolled up) and after the next compaction (in
   * the rollup), exactly once.
   */
  @Test
  void lateEventCountsBeforeAndAfterItsCompaction() {
    QuotaStore s = fresh();
    ReportsWorkload small = ReportsWorkload.generate(5, 600, NOW, 10);
    small.load(s, 1);
    while (s.compactEvents(1_000) > 0) {
      // all of them
    }
    Instant old = NOW.minus(Duration.ofDays(6)).truncatedTo(ChronoUnit.HOURS).plusSeconds(61);
    UsageEvent late =
        UsageEvent.builder("late-1", old, EventStatus.SUCCESS, SubjectRef.user("u-01"))
            .operation("planning")
            .provider("openai")
            .model("gpt-4o")
            .agent("planner")
            .tool("search")
            .inputTokens(1_000)
            .outputTokens(7)
            .costMicros(5)
            .build();
    ReportsWorkload.write(s, late);
    List<UsageEvent> all = new ArrayList<>(small.events);
    all.add(late);
    assertWholeDays(s, all, small.start);
    assertEquals(compacts() ? 1 : 0, s.compactEvents(1_000), "the late event alone");
    assertWholeDays(s, all, small.start);
    // a range that cuts the late event's hour and day reads it from the ledger
    assertQuery(
        s,
        all,
        AggregateQuery.between(old.minusSeconds(1), old.plusSeconds(1))
            .groupBy(Dimension.SUBJECT, Dimension.OPERATION));
  }

  /**
   * Checks rollup-shaped and other queries from {@code from} to now against the events: over whole
   * days, and whole hours in the last three days (purged usage is known to the day only).
   */
  private static void assertWholeDays(QuotaStore store, List<UsageEvent> events, Instant from) {
    Instant hours = NOW.truncatedTo(ChronoUnit.HOURS);
    List<AggregateQuery> queries =
        List.of(
            AggregateQuery.between(from, NOW).groupBy(Dimension.SUBJECT).bucket(Bucket.DAY),
            AggregateQuery.between(from, NOW).groupBy(Dimension.SUBJECT, Dimension.OPERATION),
            AggregateQuery.between(from, NOW).groupBy(Dimension.AGENT),
            AggregateQuery.between(from, NOW).groupBy(Dimension.AGENT, Dimension.TOOL),
            AggregateQuery.between(from, NOW)
                .groupBy(Dimension.TOOL)
                .where(Dimension.AGENT, "planner")
                .bucket(Bucket.DAY),
            AggregateQuery.between(hours.minus(Duration.ofDays(3)), hours).bucket(Bucket.HOUR),
            AggregateQuery.between(from, NOW).groupBy(Dimension.PROVIDER, Dimension.MODEL),
            AggregateQuery.between(from, NOW)
                .forSubject(SubjectRef.user("u-01"))
                .bucket(Bucket.DAY),
            AggregateQuery.between(from, NOW)
                .forSubjectKind(SubjectKind.ANONYMOUS)
                .groupBy(Dimension.OPERATION),
            AggregateQuery.between(from, NOW).groupBy(summarized()).bucket(Bucket.DAY),
            AggregateQuery.between(from, NOW).groupBy(Dimension.values()).bucket(Bucket.DAY),
            AggregateQuery.between(from, NOW).groupBy(Dimension.SUBJECT, Dimension.WORKFLOW),
            AggregateQuery.between(from, NOW)
                .where(Dimension.WORKFLOW, recentWorkflow(events))
                .groupBy(Dimension.SUBJECT, Dimension.OPERATION));
    for (AggregateQuery q : queries) {
      assertQuery(store, events, q);
    }
    assertSubjectStats(store, events, from);
  }

  /** A workflow with an event in the last three days, which retention has not purged. */
  private static String recentWorkflow(List<UsageEvent> events) {
    return events.stream()
        .filter(e -> e.workflowId() != null && e.time().isAfter(NOW.minus(Duration.ofDays(3))))
        .map(UsageEvent::workflowId)
        .findFirst()
        .orElseThrow();
  }

  private static Map<List<@Nullable Object>, String> sortedKeys(List<AggregateRow> rows) {
    Map<List<@Nullable Object>, String> out = new HashMap<>();
    for (AggregateRow r : rows) {
      out.put(r.key(), r.toString());
    }
    return out;
  }

  @Test
  void retentionPurgesEndedCountersButNotLiveOnes() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW.minus(Duration.ofDays(30)));
    QuotaManager m = manager(s, tiers(), clock);
    SubjectRef u = SubjectRef.user("old");
    try (Reservation r = m.reserve(ask(u, 10))) {
      r.commit(Usage.of(10, 0));
    }
    // a hold whose lease ended counts nowhere (the first read reclaims it): this one's lease runs
    // on
    QuotaManager longLease =
        QuotaManager.builder()
            .store(s)
            .policy(tiers())
            .clock(clock)
            .defaultLogging(false)
            .leaseDuration(Duration.ofDays(60))
            .build();
    Reservation live = longLease.reserve(ask(SubjectRef.user("holder"), 10));
    clock.set(NOW);
    try (Reservation r = m.reserve(ask(u, 10))) {
      r.commit(Usage.of(10, 0));
    }
    Retention.Result res = Retention.of(m, RetentionPolicy.defaults()).runOnce();
    assertEquals(2, res.countersPurged(), "u's two counters of 30 days ago");
    assertEquals(10, m.status(u).limit("daily-tokens").orElseThrow().used(), "today's kept");
    CounterKey held =
        new CounterKey(
            "daily-tokens",
            SubjectRef.user("holder"),
            NOW.minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.DAYS));
    assertEquals(
        10,
        Objects.requireNonNull(s.counters(List.of(held)).get(held)).reserved(),
        "live reservation's counter kept");
    assertNotNull(live);
    assertEquals(0, Retention.of(m, RetentionPolicy.defaults()).runOnce().countersPurged());
  }

  @Test
  void retentionScheduleRunsOnTheCallersExecutor() throws Exception {
    QuotaStore s = fresh();
    ReportsWorkload.write(
        s, tokens("old-1", NOW.minus(Duration.ofDays(200)), SubjectRef.user("x"), 5));
    ReportsWorkload.write(s, tokens("new-1", NOW, SubjectRef.user("x"), 7));
    Retention r = Retention.of(s, RetentionPolicy.defaults(), MutableClock.at(NOW));
    java.util.concurrent.ScheduledExecutorService ex = new ManualScheduler();
    java.util.concurrent.ScheduledFuture<?> job = r.schedule(ex, Duration.ofHours(1));
    ((ManualScheduler) ex).runAll();
    assertEquals(
        List.of("new-1"),
        s.findEvents(EventQuery.all(10)).stream().map(UsageEvent::eventId).toList());
    assertEquals(
        12,
        s.aggregate(AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1)))
            .get(0)
            .inputTokens());
    job.cancel(false);
    assertThrows(IllegalArgumentException.class, () -> r.schedule(ex, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> RetentionPolicy.defaults().withBatchSize(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> RetentionPolicy.defaults().withEventAge(Duration.ofHours(1)));
  }

  /**
   * Compaction scheduled alone runs on the caller's executor, compacts every waiting event (and
   * purges nothing), and a run's result says how many events it compacted.
   */
  @Test
  void compactionScheduleRunsOnTheCallersExecutor() {
    QuotaStore s = fresh();
    ReportsWorkload.write(
        s, tokens("old-1", NOW.minus(Duration.ofDays(200)), SubjectRef.user("x"), 5));
    ReportsWorkload.write(s, tokens("new-1", NOW, SubjectRef.user("x"), 7));
    Retention r =
        Retention.of(s, RetentionPolicy.defaults().withBatchSize(1), MutableClock.at(NOW));
    ManualScheduler ex = new ManualScheduler();
    java.util.concurrent.ScheduledFuture<?> job = r.scheduleCompaction(ex, Duration.ofMinutes(1));
    ex.runAll();
    job.cancel(false);
    assertEquals(0, s.compactEvents(10), "nothing left to compact");
    assertEquals(2, s.findEvents(EventQuery.all(10)).size(), "compaction purges nothing");
    assertEquals(
        12,
        s.aggregate(AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1)))
            .get(0)
            .inputTokens());
    ReportsWorkload.write(s, tokens("new-2", NOW, SubjectRef.user("x"), 1));
    Retention.Result res = r.runOnce();
    assertEquals(compacts() ? 1 : 0, res.eventsCompacted(), res.toString());
    assertEquals(1, res.eventsPurged(), res.toString());
    assertThrows(
        IllegalArgumentException.class, () -> r.scheduleCompaction(ex, Duration.ofMillis(999)));
    assertThrows(IllegalArgumentException.class, () -> s.compactEvents(0));
  }
}
