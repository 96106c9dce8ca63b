package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Metric;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.reports.AgentStats;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.DayUsage;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.MonthUsage;
import dev.quota4j.reports.OperationActivity;
import dev.quota4j.reports.PeriodStats;
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
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The read-only report part of {@link ReportsContract}: every report over the shared workload,
 * checked against figures computed from the generated events.
 */
public abstract class ReportsQueryTests extends ReportsPagingTests {
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
  static List<SubjectStats> expectedSubjectStats(
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
  static Predicate<UsageEvent> inLedger(QuotaStore store) {
    Set<String> ids = new HashSet<>();
    for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
      ids.add(e.eventId());
    }
    return e -> ids.contains(e.eventId());
  }

  /** The report over {@code [from, NOW)} (whole days) against the events and the store's ledger. */
  static void assertSubjectStats(QuotaStore store, List<UsageEvent> events, Instant from) {
    UsageReports rep = UsageReports.of(manager(store, reportsPolicy(), MutableClock.at(NOW)));
    List<SubjectStats> actual = rep.subjectStats(from, NOW);
    assertEquals(expectedSubjectStats(events, from, NOW, null, inLedger(store)), actual);
    assertTrue(actual.stream().anyMatch(x -> x.workflows() > 0));
  }

  /** Every dimension but {@link Dimension#WORKFLOW}: those the daily summaries keep. */
  static Dimension[] summarized() {
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

  static StatsRow row(
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

  static UsageEvent tokens(String id, Instant t, SubjectRef s, long tokens) {
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

  static void assertAggregate(
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

  static void assertCsvRoundTrip(
      List<String> header, List<? extends dev.quota4j.reports.ReportRow> rows) {
    List<List<String>> parsed = Csv.parse(Csv.toString(header, rows));
    assertEquals(rows.size() + 1, parsed.size());
    assertEquals(header, parsed.get(0));
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).csvValues(), parsed.get(i + 1));
      assertEquals(header, rows.get(i).csvHeader());
    }
  }

  /**
   * The query's rows, computed from {@code events} with plain loops, against the store's. An event
   * no longer in the store's ledger (purged into the daily summaries) has no workflow.
   */
  static void assertQuery(QuotaStore store, List<UsageEvent> events, AggregateQuery q) {
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
}
