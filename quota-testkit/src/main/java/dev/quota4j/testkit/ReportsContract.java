package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.quota4j.Retention;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageLevel;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.reports.AgentStats;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.DayUsage;
import dev.quota4j.reports.HealthLimit;
import dev.quota4j.reports.HealthSummary;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.KeyState;
import dev.quota4j.reports.MonthUsage;
import dev.quota4j.reports.OperationActivity;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.ProviderKeyStatus;
import dev.quota4j.reports.StatsRow;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.SubjectStats;
import dev.quota4j.reports.TopEntry;
import dev.quota4j.reports.TraceStep;
import dev.quota4j.reports.Trend;
import dev.quota4j.reports.TrendDirection;
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
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The reports, administration and retention contract of a {@link QuotaStore}. A backend's test is a
 * subclass that supplies stores. The read-only report tests share one store loaded once with a
 * generated workload of {@value #WORKLOAD_EVENTS} events; every figure they check is computed here
 * from the generated events with plain loops, independently of any store. The tests that change
 * data get fresh stores. Nothing sleeps: time moves on a {@link MutableClock}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ReportsContract {
  /** Events in the shared workload. */
  protected static final int WORKLOAD_EVENTS = 12_000;

  protected static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");

  /** The system's hourly token limit in the reports' policy. */
  protected static final long SYSTEM_HOURLY_TOKENS = 200_000;

  private QuotaStore shared;
  private ReportsWorkload w;
  private final List<QuotaStore> opened = new ArrayList<>();

  /** An empty store for the shared workload; called once. */
  protected abstract QuotaStore workloadStore();

  /** An empty store, independent of the workload store; called by each test that changes data. */
  protected abstract QuotaStore freshStore();

  /**
   * Another instance over the same data as {@code store} (another pool, as another process would
   * have); the same instance when the store cannot have two.
   */
  protected QuotaStore secondInstance(QuotaStore store) {
    return store;
  }

  /** Threads that load the workload. */
  protected int loadThreads() {
    return 1;
  }

  /** Called once at the end with every store handed out. */
  protected void closeStores(List<QuotaStore> stores) {
    for (QuotaStore s : stores) {
      s.close();
    }
  }

  /**
   * Whether the shared workload is loaded in two halves with {@link QuotaStore#compactEvents} run
   * over everything in between, so that the report tests read rollups, events not rolled up, and
   * events older than rolled-up ones that came after them (late events).
   */
  protected boolean compactHalfway() {
    return false;
  }

  /** Whether the store keeps rollups that {@link QuotaStore#compactEvents} fills. */
  protected boolean compacts() {
    return false;
  }

  @BeforeAll
  void loadWorkload() {
    w = ReportsWorkload.generate(42, WORKLOAD_EVENTS, NOW, 35);
    shared = workloadStore();
    opened.add(shared);
    if (compactHalfway()) {
      int half = w.events.size() / 2;
      w.load(shared, loadThreads(), 0, half);
      int compacted = 0;
      for (int n = shared.compactEvents(1_000); n > 0; n = shared.compactEvents(1_000)) {
        compacted += n;
      }
      assertEquals(half, compacted, "every event of the first half compacted once");
      w.load(shared, loadThreads(), half, w.events.size());
    } else {
      w.load(shared, loadThreads());
    }
  }

  @AfterAll
  void closeAll() {
    closeStores(opened);
  }

  private final List<QuotaStore> perTest = new ArrayList<>();

  @AfterEach
  void keepForClosing() {
    opened.addAll(perTest);
    perTest.clear();
  }

  private QuotaStore fresh() {
    QuotaStore s = freshStore();
    perTest.add(s);
    return s;
  }

  private QuotaStore second(QuotaStore s) {
    QuotaStore t = secondInstance(s);
    if (t != s) {
      perTest.add(t);
    }
    return t;
  }

  protected static QuotaPolicy reportsPolicy() {
    return QuotaPolicy.builder()
        .limit(
            Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, SYSTEM_HOURLY_TOKENS)
                .appliesTo(SubjectKind.SYSTEM))
        .build();
  }

  private static QuotaManager manager(QuotaStore store, QuotaPolicy policy, MutableClock clock) {
    return QuotaManager.builder()
        .store(store)
        .policy(policy)
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  private UsageReports reports() {
    return UsageReports.of(manager(shared, reportsPolicy(), MutableClock.at(NOW)));
  }

  // ---------------------------------------------------------------- independent expectations

  /** calls, errors, denials, input, output, cached, characters, cost. */
  private static long[] sums(List<UsageEvent> events) {
    long[] s = new long[8];
    for (UsageEvent e : events) {
      add(s, e);
    }
    return s;
  }

  private static void add(long[] s, UsageEvent e) {
    if (ReportsWorkload.isCall(e)) {
      s[0]++;
      s[3] += e.inputTokens();
      s[4] += e.outputTokens();
      s[5] += e.cachedInputTokens();
      s[6] += e.characters();
      s[7] += e.costMicros();
    }
    if (e.status() == EventStatus.ERROR) {
      s[1]++;
    }
    if (e.status() == EventStatus.QUOTA_EXCEEDED) {
      s[2]++;
    }
  }

  private List<UsageEvent> counted(Instant from, Instant to) {
    List<UsageEvent> out = new ArrayList<>();
    for (UsageEvent e : w.events) {
      if (ReportsWorkload.counts(e) && !e.time().isBefore(from) && e.time().isBefore(to)) {
        out.add(e);
      }
    }
    return out;
  }

  private static <K> Map<K, long[]> groupSums(
      List<UsageEvent> events, Function<UsageEvent, K> key) {
    Map<K, long[]> out = new HashMap<>();
    for (UsageEvent e : events) {
      add(out.computeIfAbsent(key.apply(e), k -> new long[8]), e);
    }
    return out;
  }

  private static BigDecimal money(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }

  private static BigDecimal avg(long total, long n) {
    return n == 0
        ? new BigDecimal("0.00")
        : new BigDecimal(total).divide(new BigDecimal(n), 2, RoundingMode.HALF_UP);
  }

  private static final Comparator<@Nullable String> NULLS_FIRST =
      Comparator.nullsFirst(Comparator.naturalOrder());

  private Instant from() {
    return w.start;
  }

  /** A range that starts and ends inside an hour, so no rollup can answer it exactly. */
  private Instant oddFrom() {
    return w.start.plus(Duration.ofDays(3)).plusSeconds(1234).plusNanos(567_000);
  }

  private Instant oddTo() {
    return NOW.minus(Duration.ofDays(2)).minusSeconds(777);
  }

  // ---------------------------------------------------------------- the reports

  @Test
  void workloadIsLargeAndVaried() {
    assertTrue(w.events.size() >= 10_000);
    assertTrue(
        w.events.stream().map(e -> LocalDate.ofInstant(e.time(), ZoneOffset.UTC)).distinct().count()
            >= 30);
    assertTrue(w.events.stream().map(UsageEvent::subject).distinct().count() >= 40);
    assertTrue(w.events.stream().map(UsageEvent::agent).distinct().count() >= 6);
    assertTrue(w.events.stream().map(UsageEvent::tool).distinct().count() >= 7);
    assertTrue(w.events.stream().map(UsageEvent::model).distinct().count() >= 4);
    for (EventStatus s :
        List.of(
            EventStatus.SUCCESS,
            EventStatus.ERROR,
            EventStatus.QUOTA_EXCEEDED,
            EventStatus.RELEASED)) {
      assertTrue(w.events.stream().anyMatch(e -> e.status() == s), s.name());
    }
  }

  @Test
  void dailyBySubject() {
    for (Instant[] r : new Instant[][] {{from(), NOW}, {oddFrom(), oddTo()}}) {
      Map<List<Object>, long[]> g =
          groupSums(
              counted(r[0], r[1]),
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
      List<SubjectDay> actual = reports().dailyBySubject(r[0], r[1]);
      assertEquals(expected, actual);
      assertCsvRoundTrip(SubjectDay.HEADER, actual);
    }
  }

  @Test
  void hostileSubjectIdsComeBackExactlyThroughCsv() {
    List<SubjectDay> days = reports().dailyBySubject(from(), NOW);
    List<List<String>> parsed = Csv.parse(Csv.toString(SubjectDay.HEADER, days));
    Set<String> ids = new HashSet<>();
    for (List<String> row : parsed.subList(1, parsed.size())) {
      ids.add(row.get(1));
    }
    for (String h : ReportsWorkload.HOSTILE_IDS) {
      assertTrue(ids.contains(h), "missing " + h);
    }
    assertTrue(ids.contains("U-00") && ids.contains("u-00"));
  }

  @Test
  void topAgentsAndTools() {
    List<UsageEvent> ev = counted(from(), NOW);
    Map<String, long[]> byAgent =
        groupSums(
            ev.stream().filter(e -> e.agent() != null).toList(),
            e -> Objects.requireNonNull(e.agent()));
    List<TopEntry> agents = new ArrayList<>();
    byAgent.forEach(
        (a, s) -> {
          if (s[0] > 0) {
            agents.add(
                new TopEntry(a, null, s[0], s[3] + s[4], avg(s[3] + s[4], s[0]), money(s[7])));
          }
        });
    Comparator<TopEntry> order =
        Comparator.comparingLong(TopEntry::totalTokens)
            .reversed()
            .thenComparing(TopEntry::agent, NULLS_FIRST)
            .thenComparing(TopEntry::tool, NULLS_FIRST);
    agents.sort(order);
    assertEquals(agents.subList(0, 4), reports().topAgents(from(), NOW, 4));
    assertEquals(agents, reports().topAgents(from(), NOW, 100));

    Map<List<@Nullable String>, long[]> byTool =
        groupSums(
            ev.stream().filter(e -> e.tool() != null).toList(),
            e -> Arrays.asList(e.agent(), e.tool()));
    List<TopEntry> tools = new ArrayList<>();
    byTool.forEach(
        (k, s) -> {
          if (s[0] > 0) {
            tools.add(
                new TopEntry(
                    k.get(0), k.get(1), s[0], s[3] + s[4], avg(s[3] + s[4], s[0]), money(s[7])));
          }
        });
    tools.sort(order);
    List<TopEntry> top = reports().topTools(from(), NOW, 10);
    assertEquals(tools.subList(0, 10), top);
    assertCsvRoundTrip(TopEntry.HEADER, reports().topTools(from(), NOW, 1000));
  }

  @Test
  void activityByOperation() {
    for (Instant[] r : new Instant[][] {{from(), NOW}, {oddFrom(), oddTo()}}) {
      Map<List<@Nullable Object>, long[]> g =
          groupSums(counted(r[0], r[1]), e -> Arrays.asList(e.subject(), e.operation()));
      List<OperationActivity> expected = new ArrayList<>();
      g.forEach(
          (k, s) ->
              expected.add(
                  new OperationActivity(
                      (SubjectRef) Objects.requireNonNull(k.get(0)),
                      (String) k.get(1),
                      s[0],
                      s[1],
                      s[2],
                      s[3] + s[4],
                      avg(s[3] + s[4], s[0]),
                      money(s[7]))));
      expected.sort(
          Comparator.comparing(OperationActivity::subject)
              .thenComparing(Comparator.comparingLong(OperationActivity::totalTokens).reversed())
              .thenComparing(OperationActivity::operation, NULLS_FIRST));
      List<OperationActivity> actual = reports().activityByOperation(r[0], r[1]);
      assertEquals(expected, actual);
      assertCsvRoundTrip(OperationActivity.HEADER, actual);
    }
  }

  /**
   * Seed 001's per-user summary: distinct workflows, calls, tokens and cost per subject, over whole
   * and odd ranges, of every kind and of one kind; a workflow's events found by filtering on it.
   */
  @Test
  void subjectStatsCountDistinctWorkflows() {
    for (Instant[] r : new Instant[][] {{from(), NOW}, {oddFrom(), oddTo()}}) {
      for (SubjectKind kind : Arrays.asList(null, SubjectKind.USER, SubjectKind.ANONYMOUS)) {
        List<SubjectStats> expected = expectedSubjectStats(w.events, r[0], r[1], kind, e -> true);
        List<SubjectStats> actual =
            kind == null
                ? reports().subjectStats(r[0], r[1])
                : reports().subjectStats(kind, r[0], r[1]);
        assertEquals(expected, actual, kind + " " + Arrays.toString(r));
        assertFalse(actual.isEmpty());
        assertTrue(actual.stream().allMatch(x -> kind == null || x.subject().kind() == kind));
        assertCsvRoundTrip(SubjectStats.HEADER, actual);
      }
      // the workload's workflows each belong to one subject: the counts add up to the workflows
      long workflows =
          counted(r[0], r[1]).stream()
              .map(UsageEvent::workflowId)
              .filter(Objects::nonNull)
              .distinct()
              .count();
      List<SubjectStats> all = reports().subjectStats(r[0], r[1]);
      assertEquals(workflows, all.stream().mapToLong(SubjectStats::workflows).sum());
      assertTrue(all.stream().anyMatch(x -> x.workflows() > 1), "someone ran several");
    }
    // filtered by one workflow (the hostile id among them): its events' sums, from the ledger
    for (String id : List.of(w.workflows.get(3), w.workflows.get(w.workflows.size() - 1))) {
      assertQuery(
          shared,
          w.events,
          AggregateQuery.between(from(), NOW)
              .where(Dimension.WORKFLOW, id)
              .groupBy(Dimension.SUBJECT, Dimension.STATUS));
    }
    assertEquals(
        List.of(),
        shared.aggregate(AggregateQuery.between(from(), NOW).where(Dimension.WORKFLOW, "none")));
    assertEquals(List.of(), reports().subjectStats(NOW, NOW));
    assertThrows(IllegalArgumentException.class, () -> reports().subjectStats(NOW, from()));
  }

  /**
   * {@link UsageReports#subjectStats} computed from the events with plain loops: the usage of every
   * outcome event in the range, the workflows of those {@code inLedger} (those retention has purged
   * keep their usage, in summaries by day, but lose their workflow). Purged events count by the
   * start of their day: give whole-day ranges when some are purged.
   */
  private static List<SubjectStats> expectedSubjectStats(
      List<UsageEvent> events,
      Instant from,
      Instant to,
      @Nullable SubjectKind kind,
      Predicate<UsageEvent> inLedger) {
    Map<SubjectRef, long[]> sums = new HashMap<>();
    Map<SubjectRef, Set<String>> workflows = new HashMap<>();
    for (UsageEvent e : events) {
      if (!ReportsWorkload.counts(e)
          || e.time().isBefore(from)
          || !e.time().isBefore(to)
          || (kind != null && e.subject().kind() != kind)) {
        continue;
      }
      add(sums.computeIfAbsent(e.subject(), k -> new long[8]), e);
      Set<String> mine = workflows.computeIfAbsent(e.subject(), k -> new HashSet<>());
      if (e.workflowId() != null && inLedger.test(e)) {
        mine.add(e.workflowId());
      }
    }
    List<SubjectStats> out = new ArrayList<>();
    sums.forEach(
        (subject, s) ->
            out.add(
                new SubjectStats(
                    subject,
                    Objects.requireNonNull(workflows.get(subject)).size(),
                    s[0],
                    s[1],
                    s[2],
                    s[3] + s[4],
                    avg(s[3] + s[4], s[0]),
                    money(s[7]))));
    out.sort(Comparator.comparing(SubjectStats::subject));
    return out;
  }

  /** Whether each event is still in the store's ledger (not purged into summaries). */
  private static Predicate<UsageEvent> inLedger(QuotaStore store) {
    Set<String> ids = new HashSet<>();
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
      ids.add(e.eventId());
    }
    return e -> ids.contains(e.eventId());
  }

  /** The report over {@code [from, NOW)} (whole days) against the events and the store's ledger. */
  private static void assertSubjectStats(QuotaStore store, List<UsageEvent> events, Instant from) {
    UsageReports rep = UsageReports.of(manager(store, reportsPolicy(), MutableClock.at(NOW)));
    List<SubjectStats> actual = rep.subjectStats(from, NOW);
    assertEquals(expectedSubjectStats(events, from, NOW, null, inLedger(store)), actual);
    assertTrue(actual.stream().anyMatch(x -> x.workflows() > 0));
  }

  /** Every dimension but {@link Dimension#WORKFLOW}: those the daily summaries keep. */
  private static Dimension[] summarized() {
    return EnumSet.complementOf(EnumSet.of(Dimension.WORKFLOW)).toArray(new Dimension[0]);
  }

  @Test
  void systemHourlyLoadWithCapacity() {
    for (Instant[] r :
        new Instant[][] {
          {
            NOW.minus(Duration.ofHours(48)).truncatedTo(ChronoUnit.HOURS),
            NOW.truncatedTo(ChronoUnit.HOURS)
          },
          {oddFrom(), oddFrom().plus(Duration.ofHours(30))}
        }) {
      Instant first = r[0].truncatedTo(ChronoUnit.HOURS);
      Instant end =
          r[1].truncatedTo(ChronoUnit.HOURS).equals(r[1])
              ? r[1]
              : r[1].truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
      Map<Instant, long[]> g =
          groupSums(counted(first, end), e -> e.time().truncatedTo(ChronoUnit.HOURS));
      List<HourLoad> expected = new ArrayList<>();
      for (Instant h = first; h.isBefore(end); h = h.plus(Duration.ofHours(1))) {
        long[] s = g.getOrDefault(h, new long[8]);
        long tokens = s[3] + s[4];
        expected.add(
            new HourLoad(
                h,
                s[0],
                s[2],
                tokens,
                money(s[7]),
                "system-hourly-tokens",
                Metric.TOKENS,
                SYSTEM_HOURLY_TOKENS,
                new BigDecimal(tokens * 100)
                    .divide(new BigDecimal(SYSTEM_HOURLY_TOKENS), 1, RoundingMode.HALF_UP)));
      }
      List<HourLoad> actual = reports().systemHourlyLoad(r[0], r[1]);
      assertEquals(expected, actual);
      assertTrue(actual.stream().anyMatch(x -> x.totalTokens() > 0));
      assertCsvRoundTrip(HourLoad.HEADER, actual);
    }
  }

  @Test
  void workflowTraceInOrder() {
    for (String id :
        List.of(w.workflows.get(0), w.workflows.get(3), w.workflows.get(w.workflows.size() - 1))) {
      List<UsageEvent> mine =
          w.events.stream()
              .filter(e -> id.equals(e.workflowId()))
              .sorted(Comparator.comparing(UsageEvent::time))
              .toList();
      List<TraceStep> trace = reports().workflowTrace(id);
      assertEquals(mine.size(), trace.size());
      for (int i = 0; i < mine.size(); i++) {
        UsageEvent e = mine.get(i);
        TraceStep t = trace.get(i);
        assertEquals(
            new TraceStep(
                i + 1,
                e.time(),
                e.eventId(),
                e.status(),
                e.subject(),
                e.operation(),
                e.agent(),
                e.tool(),
                e.provider(),
                e.model(),
                e.inputTokens(),
                e.outputTokens(),
                money(e.costMicros()),
                e.errorCode()),
            t);
      }
      assertCsvRoundTrip(TraceStep.HEADER, trace);
    }
    assertEquals(List.of(), reports().workflowTrace("no-such-workflow"));
  }

  @Test
  void agentStatsWithErrorRate() {
    Map<String, long[]> g =
        groupSums(
            counted(from(), NOW).stream().filter(e -> e.agent() != null).toList(),
            e -> Objects.requireNonNull(e.agent()));
    List<AgentStats> expected = new ArrayList<>();
    g.forEach(
        (a, s) ->
            expected.add(
                new AgentStats(
                    a,
                    s[0],
                    s[1],
                    s[0] == 0
                        ? new BigDecimal("0.00")
                        : new BigDecimal(s[1] * 100)
                            .divide(new BigDecimal(s[0]), 2, RoundingMode.HALF_UP),
                    s[2],
                    s[3] + s[4],
                    avg(s[3] + s[4], s[0]),
                    money(s[7]))));
    expected.sort(
        Comparator.comparingLong(AgentStats::totalTokens)
            .reversed()
            .thenComparing(AgentStats::agent));
    List<AgentStats> actual = reports().agentStats(from(), NOW);
    assertEquals(expected, actual);
    assertTrue(actual.stream().allMatch(a -> a.errors() > 0));
    assertCsvRoundTrip(AgentStats.HEADER, actual);
  }

  @Test
  void periodStatsWithBreakdowns() {
    SubjectRef someone = w.subjects.get(7);
    for (SubjectRef subject :
        Arrays.asList(null, someone, SubjectRef.user(ReportsWorkload.HOSTILE_IDS.get(0)))) {
      for (Instant[] r :
          new Instant[][] {{from(), NOW.truncatedTo(ChronoUnit.HOURS)}, {oddFrom(), oddTo()}}) {
        List<UsageEvent> ev =
            counted(r[0], r[1]).stream()
                .filter(e -> subject == null || subject.equals(e.subject()))
                .toList();
        long[] t = sums(ev);
        StatsRow total = row("total", null, null, null, t);
        List<StatsRow> ops = new ArrayList<>();
        groupSums(ev, e -> Arrays.asList(e.operation()))
            .forEach((k, s) -> ops.add(row("operation", k.get(0), null, null, s)));
        List<StatsRow> models = new ArrayList<>();
        groupSums(ev, e -> Arrays.asList(e.provider(), e.model()))
            .forEach((k, s) -> models.add(row("provider_model", null, k.get(0), k.get(1), s)));
        Comparator<StatsRow> order =
            Comparator.comparingLong(StatsRow::totalTokens)
                .reversed()
                .thenComparing(StatsRow::operation, NULLS_FIRST)
                .thenComparing(StatsRow::provider, NULLS_FIRST)
                .thenComparing(StatsRow::model, NULLS_FIRST);
        ops.sort(order);
        models.sort(order);
        PeriodStats actual = reports().periodStats(subject, r[0], r[1]);
        assertEquals(new PeriodStats(subject, r[0], r[1], total, ops, models), actual);
        assertCsvRoundTrip(StatsRow.HEADER, actual.rows());
      }
    }
  }

  private static StatsRow row(
      String group,
      @Nullable String op,
      @Nullable String provider,
      @Nullable String model,
      long[] s) {
    return new StatsRow(
        group,
        op,
        provider,
        model,
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[3] + s[4],
        avg(s[3] + s[4], s[0]),
        money(s[7]));
  }

  @Test
  void historyTrendAndMonths() {
    UsageReports reports = reports();
    LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    for (SubjectRef subject : Arrays.asList(null, w.subjects.get(3))) {
      Predicate<UsageEvent> mine = e -> subject == null || subject.equals(e.subject());
      Map<LocalDate, long[]> byDay =
          groupSums(
              counted(Instant.MIN, Instant.MAX).stream().filter(mine).toList(),
              e -> LocalDate.ofInstant(e.time(), ZoneOffset.UTC));
      List<DayUsage> expected = new ArrayList<>();
      for (LocalDate d = today.minusDays(29); !d.isAfter(today); d = d.plusDays(1)) {
        long[] s = byDay.getOrDefault(d, new long[8]);
        expected.add(new DayUsage(d, s[0], s[1], s[2], s[3] + s[4], money(s[7])));
      }
      List<DayUsage> history = reports.history(subject, 30);
      assertEquals(expected, history);
      assertCsvRoundTrip(DayUsage.HEADER, history);

      for (int days : new int[] {2, 7, 14, 15, 30}) {
        long earlier = 0;
        long later = 0;
        long total = 0;
        List<DayUsage> h = new ArrayList<>();
        for (int i = 0; i < days; i++) {
          LocalDate d = today.minusDays(days - i);
          long[] s = byDay.getOrDefault(d, new long[8]);
          h.add(new DayUsage(d, s[0], s[1], s[2], s[3] + s[4], money(s[7])));
          total += s[3] + s[4];
          if (i < days / 2) {
            earlier += s[3] + s[4];
          }
          if (i >= days - days / 2) {
            later += s[3] + s[4];
          }
        }
        TrendDirection dir =
            later * 100 > earlier * 110
                ? TrendDirection.INCREASING
                : later * 100 < earlier * 90 ? TrendDirection.DECREASING : TrendDirection.STABLE;
        Trend trend = reports.trend(subject, days);
        assertEquals(
            new Trend(subject, days, total, avg(total, days), earlier, later, dir, h), trend);
        assertCsvRoundTrip(Trend.HEADER, List.of(trend));
      }

      Map<YearMonth, long[]> byMonth =
          groupSums(
              counted(Instant.MIN, Instant.MAX).stream().filter(mine).toList(),
              e -> YearMonth.from(LocalDate.ofInstant(e.time(), ZoneOffset.UTC)));
      List<MonthUsage> months = new ArrayList<>();
      for (YearMonth m = YearMonth.of(2026, 9);
          !m.isAfter(YearMonth.of(2026, 12));
          m = m.plusMonths(1)) {
        long[] s = byMonth.getOrDefault(m, new long[8]);
        months.add(new MonthUsage(m, s[0], s[1], s[2], s[3], s[4], money(s[7])));
      }
      List<MonthUsage> actual =
          reports.monthly(subject, YearMonth.of(2026, 9), YearMonth.of(2026, 12));
      assertEquals(months, actual);
      assertTrue(actual.get(1).calls() > 0 && actual.get(2).calls() > 0, "October and November");
      assertCsvRoundTrip(MonthUsage.HEADER, actual);
    }
  }

  @Test
  void trendRuleOnAShapedSeries() {
    QuotaStore s = fresh();
    MutableClock clock = MutableClock.at(NOW);
    LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    SubjectRef up = SubjectRef.user("grows");
    SubjectRef flat = SubjectRef.user("flat");
    SubjectRef down = SubjectRef.user("shrinks");
    int n = 0;
    for (int i = 1; i <= 10; i++) {
      Instant t = today.minusDays(i).atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(3600);
      // the later half (days 1-5 ago) of "grows" has 111 % of its earlier half: just increasing
      ReportsWorkload.write(s, tokens("g" + n++, t, up, i <= 5 ? 1110 : 1000));
      ReportsWorkload.write(s, tokens("f" + n++, t, flat, i <= 5 ? 1100 : 1000));
      ReportsWorkload.write(s, tokens("d" + n++, t, down, i <= 5 ? 899 : 1000));
    }
    UsageReports r = UsageReports.of(manager(s, reportsPolicy(), clock));
    assertEquals(TrendDirection.INCREASING, r.trend(up, 10).direction());
    assertEquals(TrendDirection.STABLE, r.trend(flat, 10).direction());
    assertEquals(TrendDirection.DECREASING, r.trend(down, 10).direction());
    assertEquals(TrendDirection.STABLE, r.trend(SubjectRef.user("nobody"), 10).direction());
    assertEquals(new BigDecimal("1055.00"), r.trend(up, 10).dailyAverageTokens());
    assertThrows(IllegalArgumentException.class, () -> r.trend(up, 1));
  }

  private static UsageEvent tokens(String id, Instant t, SubjectRef s, long tokens) {
    return UsageEvent.builder(id, t, EventStatus.SUCCESS, s).inputTokens(tokens).build();
  }

  @Test
  void aggregateFiltersAndEveryDimension() {
    AggregateQuery all =
        AggregateQuery.between(oddFrom(), oddTo()).groupBy(Dimension.values()).bucket(Bucket.DAY);
    Map<List<@Nullable Object>, long[]> expected =
        groupSums(
            counted(oddFrom(), oddTo()),
            e ->
                Arrays.asList(
                    e.time().truncatedTo(ChronoUnit.DAYS),
                    e.subject(),
                    e.operation(),
                    e.provider(),
                    e.model(),
                    e.agent(),
                    e.tool(),
                    e.providerKey(),
                    e.status(),
                    e.workflowId()));
    assertAggregate(expected, shared.aggregate(all));

    AggregateQuery filtered =
        AggregateQuery.between(from(), NOW)
            .forSubjectKind(SubjectKind.ANONYMOUS)
            .where(Dimension.OPERATION, "planning")
            .where(Dimension.STATUS, "ERROR")
            .groupBy(Dimension.MODEL)
            .bucket(Bucket.HOUR);
    Map<List<@Nullable Object>, long[]> expected2 =
        groupSums(
            counted(from(), NOW).stream()
                .filter(
                    e ->
                        e.subject().kind() == SubjectKind.ANONYMOUS
                            && "planning".equals(e.operation())
                            && e.status() == EventStatus.ERROR)
                .toList(),
            e ->
                Arrays.asList(
                    e.time().truncatedTo(ChronoUnit.HOURS),
                    null,
                    null,
                    null,
                    e.model(),
                    null,
                    null,
                    null,
                    null,
                    null));
    assertFalse(expected2.isEmpty());
    assertAggregate(expected2, shared.aggregate(filtered));

    AggregateQuery agentTool =
        AggregateQuery.between(from(), NOW)
            .where(Dimension.AGENT, "agent,\"quoted\"")
            .where(Dimension.TOOL, "tool\nnewline")
            .where(Dimension.PROVIDER_KEY, "groq_1");
    long[] s =
        sums(
            counted(from(), NOW).stream()
                .filter(
                    e ->
                        "agent,\"quoted\"".equals(e.agent())
                            && "tool\nnewline".equals(e.tool())
                            && "groq_1".equals(e.providerKey()))
                .toList());
    List<AggregateRow> one = shared.aggregate(agentTool);
    assertEquals(1, one.size());
    assertEquals(s[0], one.get(0).calls());
    assertEquals(s[3] + s[4], one.get(0).totalTokens());

    assertThrows(
        IllegalArgumentException.class, () -> AggregateQuery.between(NOW, NOW.minusSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> AggregateQuery.between(from(), NOW).where(Dimension.STATUS, "RELEASED"));
    assertThrows(
        IllegalArgumentException.class,
        () -> AggregateQuery.between(from(), NOW).where(Dimension.SUBJECT, "x"));
    assertEquals(List.of(), shared.aggregate(AggregateQuery.between(NOW, NOW)));
  }

  private static void assertAggregate(
      Map<List<@Nullable Object>, long[]> expected, List<AggregateRow> rows) {
    Map<List<@Nullable Object>, long[]> actual = new HashMap<>();
    for (AggregateRow r : rows) {
      long[] v = {
        r.calls(),
        r.errors(),
        r.denials(),
        r.inputTokens(),
        r.outputTokens(),
        r.cachedInputTokens(),
        r.characters(),
        r.costMicros()
      };
      assertNull(actual.put(r.key(), v), "duplicate row " + r.key());
    }
    List<String> missing = new ArrayList<>();
    for (List<@Nullable Object> k : expected.keySet()) {
      if (!actual.containsKey(k)) {
        missing.add(k + "=" + Arrays.toString(expected.get(k)));
      }
    }
    List<String> extra = new ArrayList<>();
    for (List<@Nullable Object> k : actual.keySet()) {
      if (!expected.containsKey(k)) {
        extra.add(k + "=" + Arrays.toString(actual.get(k)));
      }
    }
    assertTrue(
        missing.isEmpty() && extra.isEmpty(),
        "missing "
            + missing.subList(0, Math.min(5, missing.size()))
            + " of "
            + missing.size()
            + ", unexpected "
            + extra.subList(0, Math.min(5, extra.size()))
            + " of "
            + extra.size());
    expected.forEach(
        (k, v) -> assertEquals(Arrays.toString(v), Arrays.toString(actual.get(k)), k.toString()));
  }

  private static void assertCsvRoundTrip(
      List<String> header, List<? extends dev.quota4j.reports.ReportRow> rows) {
    List<List<String>> parsed = Csv.parse(Csv.toString(header, rows));
    assertEquals(rows.size() + 1, parsed.size());
    assertEquals(header, parsed.get(0));
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).csvValues(), parsed.get(i + 1));
      assertEquals(header, rows.get(i).csvHeader());
    }
  }

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

  private static QuotaPolicy tiers() {
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

  private static UsageRequest ask(SubjectRef s, long tokens) {
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

  /**
   * The query's rows, computed from {@code events} with plain loops, against the store's. An event
   * no longer in the store's ledger (purged into the daily summaries) has no workflow.
   */
  private static void assertQuery(QuotaStore store, List<UsageEvent> events, AggregateQuery q) {
    Map<List<@Nullable Object>, long[]> expected = new HashMap<>();
    boolean byWorkflow =
        q.groupBy().contains(Dimension.WORKFLOW) || q.filters().containsKey(Dimension.WORKFLOW);
    Predicate<UsageEvent> inLedger = byWorkflow ? inLedger(store) : e -> true;
    for (UsageEvent e : events) {
      if (!ReportsWorkload.counts(e) || !q.matches(e)) {
        continue;
      }
      boolean kept = inLedger.test(e);
      if (!kept && q.filters().containsKey(Dimension.WORKFLOW)) {
        continue;
      }
      Set<Dimension> g = q.groupBy();
      List<@Nullable Object> key =
          Arrays.asList(
              q.bucket() == Bucket.NONE
                  ? null
                  : e.time()
                      .truncatedTo(q.bucket() == Bucket.DAY ? ChronoUnit.DAYS : ChronoUnit.HOURS),
              g.contains(Dimension.SUBJECT) ? e.subject() : null,
              g.contains(Dimension.OPERATION) ? e.operation() : null,
              g.contains(Dimension.PROVIDER) ? e.provider() : null,
              g.contains(Dimension.MODEL) ? e.model() : null,
              g.contains(Dimension.AGENT) ? e.agent() : null,
              g.contains(Dimension.TOOL) ? e.tool() : null,
              g.contains(Dimension.PROVIDER_KEY) ? e.providerKey() : null,
              g.contains(Dimension.STATUS) ? e.status() : null,
              g.contains(Dimension.WORKFLOW) && kept ? e.workflowId() : null);
      add(expected.computeIfAbsent(key, k -> new long[8]), e);
    }
    assertFalse(expected.isEmpty(), q.toString());
    assertAggregate(expected, store.aggregate(q));
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
