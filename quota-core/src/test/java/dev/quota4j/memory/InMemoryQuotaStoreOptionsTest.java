package dev.quota4j.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the in-memory store keeps under each builder option, and what it forgets. */
class InMemoryQuotaStoreOptionsTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");
  private static final CounterKey KEY =
      new CounterKey(
          "user-daily-tokens", SubjectRef.user("u"), Instant.parse("2026-11-25T00:00:00Z"));

  private static CommitResult.Status record(InMemoryQuotaStore s, String id, long tokens) {
    return s.record(
            List.of(new Charge(KEY, tokens, 1_000_000, Admission.ALWAYS, Instant.MAX)),
            UsageEvent.builder(id, NOW, EventStatus.SUCCESS, SubjectRef.user("u"))
                .operation("chat")
                .outputTokens(tokens)
                .build())
        .status();
  }

  private static long used(InMemoryQuotaStore s) {
    return s.counters(List.of(KEY)).get(KEY).used();
  }

  private static QuotaManager manager(InMemoryQuotaStore store, MutableClock clock) {
    return QuotaManager.builder()
        .store(store)
        .clock(clock)
        .defaultLogging(false)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of("user-daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                        .build())
                .build())
        .build();
  }

  @Test
  void countersOnlyKeepsNoEventsButStaysIdempotent() {
    InMemoryQuotaStore s = InMemoryQuotaStore.builder().eventsKept(0).build();
    MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
    QuotaManager m = manager(s, clock);
    Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(100, 100));
    assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(100, 50)));
    // a retried commit of the same reservation, straight to the store: not counted again
    assertEquals(
        CommitResult.Status.ALREADY_APPLIED,
        s.commit(
                r.id(),
                List.of(new Charge(KEY, 150, 1_000, Admission.ALWAYS, Instant.MAX)),
                UsageEvent.builder(r.id(), NOW, EventStatus.SUCCESS, SubjectRef.user("u")).build())
            .status());
    assertEquals(CommitResult.Status.APPLIED, record(s, "e-1", 10));
    assertEquals(CommitResult.Status.ALREADY_APPLIED, record(s, "e-1", 10));
    assertEquals(160, used(s));
    assertEquals(0, s.ledgerSize());
    assertEquals(List.of(), s.findEvents(EventQuery.all(100)));
    assertEquals(
        160, m.status(SubjectRef.user("u")).limit("user-daily-tokens").orElseThrow().used());
  }

  @Test
  void countersOnlyStillSummarizesByDayUnlessSummariesAreOff() {
    InMemoryQuotaStore kept = new InMemoryQuotaStore();
    InMemoryQuotaStore summariesOnly = InMemoryQuotaStore.builder().eventsKept(0).build();
    InMemoryQuotaStore nothing =
        InMemoryQuotaStore.builder().eventsKept(0).dailySummaries(false).build();
    for (InMemoryQuotaStore s : List.of(kept, summariesOnly, nothing)) {
      for (int i = 0; i < 30; i++) {
        assertEquals(CommitResult.Status.APPLIED, record(s, "e-" + i, i));
      }
    }
    AggregateQuery byDay =
        AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1))
            .groupBy(Dimension.SUBJECT, Dimension.OPERATION)
            .bucket(Bucket.DAY);
    List<AggregateRow> expected = kept.aggregate(byDay);
    assertEquals(1, expected.size());
    assertEquals(435, expected.get(0).outputTokens());
    assertEquals(expected, summariesOnly.aggregate(byDay), "day sums kept without the events");
    assertEquals(List.of(), nothing.aggregate(byDay), "nothing kept, nothing reported");
    assertEquals(435, used(nothing), "counters are kept in every mode");
  }

  @Test
  void idsOlderThanTheRememberedOnesAreAppliedAgain() {
    InMemoryQuotaStore s = InMemoryQuotaStore.builder().eventsKept(0).idsRemembered(2).build();
    assertEquals(CommitResult.Status.APPLIED, record(s, "a", 1));
    assertEquals(CommitResult.Status.APPLIED, record(s, "b", 1));
    assertEquals(CommitResult.Status.ALREADY_APPLIED, record(s, "a", 1));
    assertEquals(CommitResult.Status.APPLIED, record(s, "c", 1));
    assertEquals(CommitResult.Status.ALREADY_APPLIED, record(s, "b", 1));
    assertEquals(CommitResult.Status.APPLIED, record(s, "a", 1), "forgotten: applied again");
    assertEquals(4, used(s));
  }

  @Test
  void theLedgerKeepsTheNewestEventsInOrderAndPurgedOnesLeaveGaps() {
    InMemoryQuotaStore s = InMemoryQuotaStore.builder().eventsKept(3).build();
    for (int i = 0; i < 5; i++) {
      assertEquals(CommitResult.Status.APPLIED, record(s, "e-" + i, i));
    }
    assertEquals(3, s.ledgerSize());
    assertEquals(
        List.of("e-2", "e-3", "e-4"),
        s.findEvents(EventQuery.all(10)).stream().map(UsageEvent::eventId).toList());
    assertEquals(CommitResult.Status.ALREADY_APPLIED, record(s, "e-0", 0), "evicted, remembered");
    assertEquals(3, s.purgeEvents(NOW.plusSeconds(1), 10));
    assertEquals(0, s.ledgerSize());
    assertEquals(CommitResult.Status.APPLIED, record(s, "e-5", 5));
    assertEquals(1, s.ledgerSize());
    assertEquals(
        List.of("e-5"),
        s.findEvents(EventQuery.all(10)).stream().map(UsageEvent::eventId).toList());
    AggregateQuery all = AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1));
    assertEquals(15, s.aggregate(all).get(0).outputTokens(), "summaries + ledger: every event");
  }

  /**
   * Regression: the lease queue kept an entry for every reservation until its lease ended,
   * committed or not, so a busy store held every call of the last lease period (and its id).
   */
  @Test
  void leasesOfFinishedReservationsAreNotKept() {
    InMemoryQuotaStore s = new InMemoryQuotaStore();
    MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
    QuotaManager m = manager(s, clock);
    for (int i = 0; i < 200; i++) {
      try (Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0))) {
        if (i % 2 == 0) {
          r.commit(Usage.of(1, 0));
        }
      }
    }
    assertEquals(0, s.openLeases());
    Reservation open = m.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0));
    assertEquals(1, s.openLeases());
    clock.advance(Duration.ofMinutes(10));
    assertEquals(1, m.reclaimExpired());
    assertEquals(0, s.openLeases());
    assertFalse(open.isDetached());
  }

  @Test
  void badOptionsNameTheFieldAndValue() {
    assertEquals(
        "eventsKept must be zero or more, was -1",
        assertThrows(
                IllegalArgumentException.class, () -> InMemoryQuotaStore.builder().eventsKept(-1))
            .getMessage());
    assertEquals(
        "idsRemembered must be greater than zero, was 0",
        assertThrows(
                IllegalArgumentException.class, () -> InMemoryQuotaStore.builder().idsRemembered(0))
            .getMessage());
    String message =
        assertThrows(
                IllegalArgumentException.class,
                () -> InMemoryQuotaStore.builder().eventsKept(10).idsRemembered(5).build())
            .getMessage();
    assertTrue(message.startsWith("idsRemembered must be at least eventsKept (10)"), message);
    assertTrue(message.contains("5"), message);
    assertEquals(
        "ledgerCapacity must be greater than zero, was 0",
        assertThrows(IllegalArgumentException.class, () -> new InMemoryQuotaStore(0)).getMessage());
  }
}
