package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Retention;
import dev.quota4j.RetentionPolicy;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.reports.CodeDenials;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.OperationActivity;
import dev.quota4j.reports.Page;
import dev.quota4j.reports.PageRequest;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.SubjectStats;
import dev.quota4j.reports.SubjectTotals;
import dev.quota4j.reports.TopBy;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The paged and streamed forms of the reports over every subject: on the shared workload, the pages
 * concatenated and the stream equal the list form row for row, for page sizes that end pages inside
 * a subject's rows and between subjects; and a cursor stays valid while events arrive and
 * compaction and retention run. Also the top lists of subjects and denials by code, against figures
 * computed here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ReportsPagingTests extends ReportsFixture {
  /** Reads one page of a report. */
  @FunctionalInterface
  interface Pages<R> {
    Page<R> read(PageRequest request);
  }

  static <R> List<R> allPages(Pages<R> report, int size) {
    List<R> out = new ArrayList<>();
    Page<R> page = report.read(PageRequest.first(size));
    int pages = 1;
    while (true) {
      assertTrue(page.rows().size() <= size, "a page holds at most its size");
      out.addAll(page.rows());
      String next = page.next();
      if (next == null) {
        return out;
      }
      page = report.read(PageRequest.after(next, size));
      pages++;
      assertTrue(pages < 100_000, "paging ends");
    }
  }

  static <R> List<R> streamed(Stream<R> stream) {
    try (Stream<R> s = stream) {
      return s.toList();
    }
  }

  @Test
  void dailyBySubjectPagesAndStreamEqualTheList() {
    UsageReports r = reports();
    for (Instant[] range :
        new Instant[][] {{from(), NOW.plusSeconds(1)}, {oddFrom(), oddTo()}, {NOW, NOW}}) {
      Instant f = range[0];
      Instant t = range[1];
      List<SubjectDay> list = r.dailyBySubject(f, t);
      assertTrue(
          range[0].equals(NOW) || list.size() > 1_000, "the workload spans many subject days");
      for (int size : new int[] {29, PageRequest.MAX_SIZE}) {
        assertEquals(list, allPages(p -> r.dailyBySubject(f, t, p), size), "pages of " + size);
      }
      assertEquals(list, streamed(r.streamDailyBySubject(f, t)));
      StringBuilder csv = new StringBuilder();
      try (Stream<SubjectDay> rows = r.streamDailyBySubject(f, t)) {
        assertEquals(list.size(), Csv.write(csv, SubjectDay.HEADER, rows));
      }
      assertEquals(Csv.toString(SubjectDay.HEADER, list), csv.toString());
    }
  }

  @Test
  void activityByOperationPagesAndStreamEqualTheList() {
    UsageReports r = reports();
    for (Instant[] range : new Instant[][] {{from(), NOW.plusSeconds(1)}, {oddFrom(), oddTo()}}) {
      Instant f = range[0];
      Instant t = range[1];
      List<OperationActivity> list = r.activityByOperation(f, t);
      // 3 ends most pages inside a subject's operations
      for (int size : new int[] {3, 250}) {
        assertEquals(list, allPages(p -> r.activityByOperation(f, t, p), size), "pages of " + size);
      }
      assertEquals(list, streamed(r.streamActivityByOperation(f, t)));
    }
  }

  @Test
  void subjectStatsPagesAndStreamEqualTheList() {
    UsageReports r = reports();
    for (SubjectKind kind : Arrays.asList(null, SubjectKind.ANONYMOUS)) {
      for (Instant[] range : new Instant[][] {{from(), NOW.plusSeconds(1)}, {oddFrom(), oddTo()}}) {
        Instant f = range[0];
        Instant t = range[1];
        List<SubjectStats> list = r.subjectStats(kind, f, t);
        for (int size : new int[] {4, 100}) {
          assertEquals(
              list, allPages(p -> r.subjectStats(kind, f, t, p), size), kind + " pages of " + size);
        }
        assertEquals(list, streamed(r.streamSubjectStats(kind, f, t)));
      }
    }
  }

  @Test
  void aCursorBelongsToItsReportAndRange() {
    UsageReports r = reports();
    Instant t = NOW.plusSeconds(1);
    Page<SubjectDay> first = r.dailyBySubject(from(), t, PageRequest.first(5));
    String next = first.next();
    assertTrue(next != null);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> r.activityByOperation(from(), t, PageRequest.after(next)));
    assertTrue(
        String.valueOf(e.getMessage()).startsWith("cursor belongs to another report"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> r.dailyBySubject(oddFrom(), t, PageRequest.after(next)));
    assertTrue(
        String.valueOf(e.getMessage()).startsWith("cursor belongs to another report"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> r.dailyBySubject(from(), t, PageRequest.after("not a cursor")));
    assertTrue(
        String.valueOf(e.getMessage()).startsWith("cursor is not a report cursor"), e.getMessage());
    assertEquals(
        "size must be 1 to 10000, was '0'",
        assertThrows(IllegalArgumentException.class, () -> PageRequest.first(0)).getMessage());
    assertEquals(
        "size must be 1 to 10000, was '10001'",
        assertThrows(IllegalArgumentException.class, () -> PageRequest.first(10_001)).getMessage());
    assertEquals(100, PageRequest.first().size());
    Page<SubjectDay> none = r.dailyBySubject(NOW, NOW, PageRequest.first());
    assertTrue(none.rows().isEmpty());
    assertNull(none.next());
    assertFalse(none.hasNext());
  }

  /**
   * Paging while events arrive for old and new subjects, compaction rolls them up and retention
   * purges the oldest days into the summaries: every row that existed when paging began is handed
   * out once, and no row twice.
   */
  @Test
  void aCursorStaysValidWhileEventsArriveAndRetentionRuns() {
    QuotaStore s = fresh();
    ReportsWorkload small = ReportsWorkload.generate(5, 1_500, NOW, 40);
    small.load(s, loadThreads());
    MutableClock clock = MutableClock.at(NOW);
    UsageReports r = UsageReports.of(manager(s, reportsPolicy(), clock));
    Retention retention =
        Retention.of(
            s,
            RetentionPolicy.defaults().withEventAge(Duration.ofDays(20)).withBatchSize(97),
            clock);
    Instant f = small.start;
    Instant t = NOW.plus(Duration.ofDays(2));
    checkPagingWhileWriting(
        s,
        small,
        retention,
        p -> r.dailyBySubject(f, t, p),
        r.dailyBySubject(f, t),
        d -> d.subject() + "|" + d.day(),
        80);
    checkPagingWhileWriting(
        s,
        small,
        retention,
        p -> r.activityByOperation(f, t, p),
        r.activityByOperation(f, t),
        a -> a.subject() + "|" + a.operation(),
        20);
    checkPagingWhileWriting(
        s,
        small,
        retention,
        p -> r.subjectStats(null, f, t, p),
        r.subjectStats(f, t),
        a -> a.subject().toString(),
        4);
  }

  private int written;

  private <R> void checkPagingWhileWriting(
      QuotaStore s,
      ReportsWorkload small,
      Retention retention,
      Pages<R> report,
      List<R> atBegin,
      Function<R, String> key,
      int size) {
    Set<String> seen = new HashSet<>();
    Page<R> page = report.read(PageRequest.first(size));
    int pages = 0;
    while (true) {
      for (R row : page.rows()) {
        assertTrue(seen.add(key.apply(row)), () -> "handed out twice: " + row);
      }
      String next = page.next();
      if (next == null) {
        break;
      }
      // between pages: new events for an old subject (on a new day and an old one) and for new
      // subjects before and after every existing one; then compaction and retention
      pages++;
      SubjectRef old = small.subjects.get(pages % small.subjects.size());
      write(s, old, NOW.plus(Duration.ofDays(1)).plusSeconds(pages));
      write(s, old, small.start.plus(Duration.ofDays(pages % 40)).plusSeconds(7));
      write(s, SubjectRef.user("0-new-" + pages), NOW.minusSeconds(pages));
      write(s, SubjectRef.user("zz-new-" + pages), NOW.minusSeconds(pages));
      write(s, SubjectRef.anonymous("anon-new-" + pages), NOW.minusSeconds(pages));
      if (pages % 3 == 0) {
        long unused = retention.compactOnce();
      }
      if (pages % 5 == 0) {
        Retention.Result unused = retention.runOnce();
      }
      page = report.read(PageRequest.after(next, size));
    }
    assertTrue(pages > 5, "paged across many writes: " + pages);
    for (R row : atBegin) {
      assertTrue(seen.contains(key.apply(row)), () -> "skipped: " + row);
    }
  }

  private void write(QuotaStore s, SubjectRef subject, Instant time) {
    written++;
    UsageEvent e =
        UsageEvent.builder("paging-" + written, time, EventStatus.SUCCESS, subject)
            .operation(written % 2 == 0 ? "late_operation" : "planning")
            .inputTokens(10)
            .outputTokens(5)
            .costMicros(7)
            .build();
    ReportsWorkload.write(s, e);
  }

  // ---------------------------------------------------------------- top lists and denial codes

  @Test
  void topSubjectsEqualTheirOwnFigures() {
    UsageReports r = reports();
    for (Instant[] range : new Instant[][] {{from(), NOW.plusSeconds(1)}, {oddFrom(), oddTo()}}) {
      Map<SubjectRef, long[]> sums = groupSums(counted(range[0], range[1]), UsageEvent::subject);
      for (TopBy by : TopBy.values()) {
        int figure =
            switch (by) {
              case TOKENS -> -1;
              case COST -> 7;
              case REQUESTS -> 0;
              case DENIALS -> 2;
            };
        for (SubjectKind kind : Arrays.asList(null, SubjectKind.ANONYMOUS)) {
          List<Map.Entry<SubjectRef, long[]>> expected = new ArrayList<>();
          for (Map.Entry<SubjectRef, long[]> e : sums.entrySet()) {
            if ((kind == null || e.getKey().kind() == kind) && value(e.getValue(), figure) > 0) {
              expected.add(e);
            }
          }
          expected.sort(
              Comparator.comparingLong(
                      (Map.Entry<SubjectRef, long[]> e) -> value(e.getValue(), figure))
                  .reversed()
                  .thenComparing(Map.Entry::getKey));
          for (int n : new int[] {1, 7, 1_000}) {
            List<SubjectTotals> top = r.topSubjects(by, kind, range[0], range[1], n);
            assertEquals(Math.min(n, expected.size()), top.size(), by + " " + kind + " " + n);
            for (int i = 0; i < top.size(); i++) {
              long[] x = expected.get(i).getValue();
              assertEquals(
                  new SubjectTotals(
                      expected.get(i).getKey(), x[0], x[1], x[2], x[3] + x[4], money(x[7])),
                  top.get(i),
                  by + " " + kind + " rank " + i);
            }
          }
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class, () -> r.topSubjects(TopBy.TOKENS, null, from(), NOW, 0));
  }

  private static long value(long[] sums, int figure) {
    return figure < 0 ? sums[3] + sums[4] : sums[figure];
  }

  static final String[] CODES = {
    "DAILY_TOKEN_QUOTA_EXCEEDED",
    "MONTHLY_COST_QUOTA_EXCEEDED",
    "SYSTEM_HOURLY_LIMIT_EXCEEDED",
    null
  };

  /**
   * Denials by code, and by code and kind of subject, equal counts made here from the events,
   * before and after retention rolled most of them into the daily summaries: the codes survive it.
   */
  @Test
  void denialsByCodeEqualTheirOwnCountsAndSurviveRetention() {
    QuotaStore s = fresh();
    Random random = new Random(15);
    List<SubjectRef> subjects =
        List.of(
            SubjectRef.user("u-1"),
            SubjectRef.user("u-2"),
            SubjectRef.anonymous("a-1"),
            SubjectRef.apiKey("k-1"));
    Instant start = NOW.minus(Duration.ofDays(40));
    List<UsageEvent> events = new ArrayList<>();
    for (int i = 0; i < 1_200; i++) {
      Instant time = start.plusSeconds(random.nextLong(Duration.ofDays(40).toSeconds()));
      SubjectRef subject = subjects.get(random.nextInt(subjects.size()));
      boolean denial = random.nextInt(4) > 0;
      UsageEvent.Builder b =
          UsageEvent.builder(
              "den-" + i, time, denial ? EventStatus.QUOTA_EXCEEDED : EventStatus.ERROR, subject);
      String code = CODES[random.nextInt(CODES.length)];
      b.errorCode(denial ? code : "TimeoutException").inputTokens(denial ? 0 : 3);
      events.add(b.build());
    }
    for (UsageEvent e : events) {
      ReportsWorkload.write(s, e);
    }
    MutableClock clock = MutableClock.at(NOW);
    UsageReports r = UsageReports.of(manager(s, reportsPolicy(), clock));
    Instant[][] ranges = {
      {start.minusSeconds(1), NOW.plusSeconds(1)},
      {start.plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.DAYS), NOW.minus(Duration.ofDays(5))}
    };
    for (int round = 0; round < 2; round++) {
      for (Instant[] range : ranges) {
        Map<List<Object>, Long> byCode = new HashMap<>();
        Map<List<Object>, Long> byCodeAndKind = new HashMap<>();
        for (UsageEvent e : events) {
          // purged events count by the start of their day
          Instant t = round == 0 ? e.time() : e.time().truncatedTo(ChronoUnit.DAYS);
          if (e.status() == EventStatus.QUOTA_EXCEEDED
              && !t.isBefore(range[0])
              && t.isBefore(range[1])) {
            byCode.merge(Arrays.asList(e.errorCode(), null), 1L, Long::sum);
            byCodeAndKind.merge(Arrays.asList(e.errorCode(), e.subject().kind()), 1L, Long::sum);
          }
        }
        assertEquals(byCode, codeCounts(r.denialsByCode(range[0], range[1])), "round " + round);
        assertEquals(
            byCodeAndKind,
            codeCounts(r.denialsByCodeAndKind(range[0], range[1])),
            "round " + round);
        List<CodeDenials> list = r.denialsByCode(range[0], range[1]);
        for (int i = 1; i < list.size(); i++) {
          assertTrue(list.get(i - 1).denials() >= list.get(i).denials(), "most first");
        }
      }
      if (round == 0) {
        // everything older than a day goes into the daily summaries
        Retention retention =
            Retention.of(
                s,
                RetentionPolicy.defaults().withEventAge(Duration.ofDays(1)).withBatchSize(200),
                clock);
        long purged = 0;
        for (long n = retention.runOnce().eventsPurged(); n > 0; ) {
          purged += n;
          n = retention.runOnce().eventsPurged();
        }
        assertTrue(purged > 1_000, "purged " + purged);
        // the ranges then start and end on whole days, so the two rounds compare alike
        ranges =
            new Instant[][] {
              {start.truncatedTo(ChronoUnit.DAYS), NOW.truncatedTo(ChronoUnit.DAYS)},
              {ranges[1][0], NOW.minus(Duration.ofDays(5)).truncatedTo(ChronoUnit.DAYS)}
            };
      }
    }
  }

  private static Map<List<Object>, Long> codeCounts(List<CodeDenials> rows) {
    Map<List<Object>, Long> out = new HashMap<>();
    for (CodeDenials d : rows) {
      assertTrue(out.put(Arrays.asList(d.code(), d.subjectKind()), d.denials()) == null);
    }
    return out;
  }

  /**
   * Reports read from the replica store they are given, and the live status from the manager's:
   * here the "replica" holds the workload and the primary nothing, so every figure shows which one
   * was read.
   */
  @Test
  void ledgerReportsReadFromTheReplica() {
    QuotaStore primary = fresh();
    UsageReports onPrimary =
        UsageReports.of(manager(primary, reportsPolicy(), MutableClock.at(NOW)));
    UsageReports onReplica = onPrimary.readingFrom(shared);
    Instant t = NOW.plusSeconds(1);
    assertEquals(reports().dailyBySubject(from(), t), onReplica.dailyBySubject(from(), t));
    assertEquals(
        reports().dailyBySubject(from(), t, PageRequest.first(50)),
        onReplica.dailyBySubject(from(), t, PageRequest.first(50)));
    assertEquals(
        reports().denialsByCode(from(), t),
        onReplica.withKeyThresholds(70, 95).denialsByCode(from(), t));
    assertTrue(onPrimary.dailyBySubject(from(), t).isEmpty());
    assertEquals(
        onPrimary.health(SubjectRef.user("u-01")), onReplica.health(SubjectRef.user("u-01")));
  }
}
