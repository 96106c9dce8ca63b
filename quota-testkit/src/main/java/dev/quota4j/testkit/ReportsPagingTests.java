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
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.OperationActivity;
import dev.quota4j.reports.Page;
import dev.quota4j.reports.PageRequest;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.reports.SubjectStats;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The paged and streamed forms of the reports over every subject: on the shared workload, the pages
 * concatenated and the stream equal the list form row for row, for page sizes that end pages inside
 * a subject's rows and between subjects; and a cursor stays valid while events arrive and
 * compaction and retention run.
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
      assertTrue(range[0] == NOW || list.size() > 1_000, "the workload spans many subject days");
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
}
