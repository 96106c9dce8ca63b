package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.ReservationExpiredException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageLevel;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reservation part of {@link QuotaStoreContract}: all-or-nothing reservation, commit, release,
 * idempotency and expired leases.
 */
public abstract class QuotaStoreReservationTests extends QuotaStoreFixture {
  // ------------------------------------------------------------------ reservation semantics

  @Test
  void reservesAllChargesOrNone() {
    QuotaPolicy policy =
        userDaily(1_000).toBuilder()
            .limit(
                Limit.of("system-hourly-tokens", Metric.TOKENS, Window.HOUR, 1_500)
                    .appliesTo(SubjectKind.SYSTEM))
            .build();
    QuotaManager m = manager(policy);
    try (Reservation r = m.reserve(UsageRequest.forUser("alice").estimatedTokens(600, 300))) {
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(600, 300)));
    }
    QuotaDecision d = m.tryReserve(UsageRequest.forUser("bob").estimatedTokens(400, 300));
    assertFalse(d.allowed());
    assertEquals(DenialCodes.SYSTEM_HOURLY_LIMIT_EXCEEDED, d.denial().code());
    assertEquals(900, d.denial().used());
    assertEquals(700, d.denial().requested());
    assertEquals(100, d.denial().overBy());
    assertEquals(600, d.denial().remaining());
    assertEquals(Instant.parse("2026-11-25T11:00:00Z"), d.denial().resetsAt());
    assertEquals(Duration.ofMinutes(45), d.denial().retryAfter());
    // bob's own counter was not touched by the failed reservation
    LimitStatus bob = statusOf(m, SubjectRef.user("bob"), "user-daily-tokens");
    assertEquals(0, bob.used());
    assertEquals(0, bob.reserved());
    LimitStatus system = statusOf(m, SubjectRef.SYSTEM, "system-hourly-tokens");
    assertEquals(900, system.used());
    assertEquals(0, system.reserved());
  }

  @Test
  void rejectionReportsTheFirstChargeThatDoesNotFitAndChangesNothing() {
    Instant end = Instant.parse("2026-11-26T00:00:00Z");
    CounterKey a = new CounterKey("a", SubjectRef.user("u"), Instant.parse("2026-11-25T00:00:00Z"));
    CounterKey b = new CounterKey("b", SubjectRef.SYSTEM, Instant.parse("2026-11-25T10:00:00Z"));
    Instant now = clock.instant();
    ReserveResult first =
        store.reserve(
            "r1",
            List.of(
                new Charge(a, 5, 10, Admission.FIT, end), new Charge(b, 8, 10, Admission.FIT, end)),
            now,
            now.plusSeconds(60));
    assertInstanceOf(ReserveResult.Granted.class, first);
    ReserveResult second =
        store.reserve(
            "r2",
            List.of(
                new Charge(a, 5, 10, Admission.FIT, end), new Charge(b, 3, 10, Admission.FIT, end)),
            now,
            now.plusSeconds(60));
    ReserveResult.Rejected rejected = assertInstanceOf(ReserveResult.Rejected.class, second);
    assertEquals(b, rejected.charge().key());
    assertEquals(new CounterValue(0, 8), rejected.current());
    Map<CounterKey, CounterValue> values = store.counters(List.of(a, b));
    assertEquals(new CounterValue(0, 5), values.get(a));
    assertEquals(new CounterValue(0, 8), values.get(b));
    assertInstanceOf(
        ReserveResult.Duplicate.class,
        store.reserve(
            "r1", List.of(new Charge(a, 1, 10, Admission.FIT, end)), now, now.plusSeconds(60)));
    assertEquals(new CounterValue(0, 5), store.counters(List.of(a)).get(a));
  }

  @Test
  void admissionRulesAnyRemainingAndAlways() {
    Instant end = Instant.parse("2026-11-26T00:00:00Z");
    CounterKey k = new CounterKey("k", SubjectRef.user("u"), Instant.EPOCH);
    Instant now = clock.instant();
    Instant lease = now.plusSeconds(60);
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("r1", List.of(new Charge(k, 9, 10, Admission.FIT, end)), now, lease));
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve(
            "r2", List.of(new Charge(k, 5, 10, Admission.ANY_REMAINING, end)), now, lease));
    assertInstanceOf(
        ReserveResult.Rejected.class,
        store.reserve(
            "r3", List.of(new Charge(k, 1, 10, Admission.ANY_REMAINING, end)), now, lease));
    ReserveResult.Granted g =
        assertInstanceOf(
            ReserveResult.Granted.class,
            store.reserve("r4", List.of(new Charge(k, 7, 10, Admission.ALWAYS, end)), now, lease));
    assertEquals(new CounterValue(0, 21), g.unconditional().get(k));
  }

  @Test
  void commitBelowEqualAndAboveTheEstimate() {
    QuotaManager m = manager(userDaily(1_000));
    SubjectRef u = SubjectRef.user("carol");
    try (Reservation r = m.reserve(UsageRequest.forUser("carol").estimatedTokens(100, 100))) {
      assertEquals(200, statusOf(m, u, "user-daily-tokens").reserved());
      r.commit(Usage.of(100, 50)); // below
    }
    LimitStatus s = statusOf(m, u, "user-daily-tokens");
    assertEquals(150, s.used());
    assertEquals(0, s.reserved());
    try (Reservation r = m.reserve(UsageRequest.forUser("carol").estimatedTokens(100, 100))) {
      r.commit(Usage.of(100, 100)); // equal
    }
    assertEquals(350, statusOf(m, u, "user-daily-tokens").used());
    try (Reservation r = m.reserve(UsageRequest.forUser("carol").estimatedTokens(100, 100))) {
      r.commit(Usage.of(100, 700)); // above: recorded, the counter passes the limit
    }
    s = statusOf(m, u, "user-daily-tokens");
    assertEquals(1_150, s.used());
    assertEquals(0, s.remaining());
    assertEquals(UsageLevel.EXCEEDED, s.level());
    QuotaExceededException e =
        assertThrows(
            QuotaExceededException.class,
            () -> m.reserve(UsageRequest.forUser("carol").estimatedTokens(1, 1)));
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, e.code());
    assertEquals(1_150, ledgerTokens(u));
  }

  @Test
  void closeWithoutCommitReleasesAndRecordsAReleasedEvent() {
    QuotaManager m = manager(userDaily(1_000));
    SubjectRef u = SubjectRef.user("dave");
    String id;
    try (Reservation r = m.reserve(UsageRequest.forUser("dave").estimatedTokens(300, 300))) {
      id = r.id();
      assertEquals(600, statusOf(m, u, "user-daily-tokens").reserved());
    }
    LimitStatus s = statusOf(m, u, "user-daily-tokens");
    assertEquals(0, s.used());
    assertEquals(0, s.reserved());
    List<UsageEvent> events = store.findEvents(EventQuery.all(100).forSubject(u));
    assertEquals(1, events.size());
    assertEquals(EventStatus.RELEASED, events.get(0).status());
    assertEquals(id, events.get(0).reservationId());
    assertEquals(1, heard.released().size());
  }

  @Test
  void commitFailAndCloseAreIdempotent() {
    QuotaManager m = manager(userDaily(1_000));
    SubjectRef u = SubjectRef.user("erin");
    Reservation r = m.reserve(UsageRequest.forUser("erin").estimatedTokens(100, 100));
    assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(10, 20)));
    assertEquals(Reservation.Outcome.ALREADY_DONE, r.commit(Usage.of(10, 20)));
    assertEquals(Reservation.Outcome.ALREADY_DONE, r.fail(new RuntimeException("x"), Usage.NONE));
    r.close();
    r.close();
    assertEquals(30, statusOf(m, u, "user-daily-tokens").used());
    // the store itself refuses a second commit of the same reservation
    UsageEvent again =
        UsageEvent.builder(r.id(), clock.instant(), EventStatus.SUCCESS, u)
            .reservationId(r.id())
            .outputTokens(999)
            .build();
    CommitResult second = store.commit(r.id(), List.of(), again);
    assertEquals(CommitResult.Status.ALREADY_APPLIED, second.status());
    assertFalse(store.release(r.id(), again));
    assertEquals(30, statusOf(m, u, "user-daily-tokens").used());
    assertEquals(30, ledgerTokens(u));

    Reservation failed = m.reserve(UsageRequest.forUser("erin").estimatedTokens(100, 100));
    assertEquals(
        Reservation.Outcome.COMMITTED,
        failed.fail(new IllegalStateException("boom"), Usage.of(7, 0)));
    failed.close();
    assertEquals(37, statusOf(m, u, "user-daily-tokens").used());
    UsageEvent error =
        store.findEvents(EventQuery.all(100).forSubject(u)).stream()
            .filter(e -> e.status() == EventStatus.ERROR)
            .findFirst()
            .orElseThrow();
    assertEquals(IllegalStateException.class.getName(), error.errorCode());
  }

  @Test
  void recordIsIdempotentByEventId() {
    QuotaManager m = manager(userDaily(1_000));
    SubjectRef u = SubjectRef.user("frank");
    UsageRequest req = UsageRequest.forUser("frank").operation("sync").agent("a1").build();
    assertTrue(m.record("evt-1", req, Usage.of(40, 60)));
    assertFalse(m.record("evt-1", req, Usage.of(40, 60)));
    assertTrue(m.record("evt-2", req, Usage.of(1, 2)));
    assertEquals(103, statusOf(m, u, "user-daily-tokens").used());
    assertEquals(103, ledgerTokens(u));
    assertEquals(2, heard.recorded().size());
    // recording is not admission: it may pass the limit
    assertTrue(m.record("evt-3", req, Usage.of(2_000, 0)));
    assertEquals(2_103, statusOf(m, u, "user-daily-tokens").used());
  }

  @Test
  void appendEventIsIdempotent() {
    UsageEvent e =
        UsageEvent.builder(
                "deny-1", clock.instant(), EventStatus.QUOTA_EXCEEDED, SubjectRef.user("g"))
            .errorCode("DAILY_TOKEN_QUOTA_EXCEEDED")
            .build();
    assertTrue(store.appendEvent(e));
    assertFalse(store.appendEvent(e));
    assertEquals(1, store.findEvents(EventQuery.all(10)).size());
  }

  @Test
  void expiredLeasesAreReclaimedAndALateCommitCountsOnce() {
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(userDaily(1_000))
            .clock(clock)
            .defaultLogging(false)
            .listener(heard)
            .leaseDuration(Duration.ofMinutes(1))
            .build();
    SubjectRef u = SubjectRef.user("gina");
    Reservation crashed = m.reserve(UsageRequest.forUser("gina").estimatedTokens(500, 500));
    assertFalse(m.tryReserve(UsageRequest.forUser("gina").estimatedTokens(1, 0)).allowed());
    clock.advance(Duration.ofMinutes(2));
    // touching the full counter reclaims the expired lease lazily
    try (Reservation next = m.reserve(UsageRequest.forUser("gina").estimatedTokens(100, 100))) {
      next.commit(Usage.of(100, 100));
    }
    LimitStatus s = statusOf(m, u, "user-daily-tokens");
    assertEquals(200, s.used());
    assertEquals(0, s.reserved());
    assertThrows(ReservationExpiredException.class, () -> crashed.extend(Duration.ofMinutes(5)));
    assertEquals(Reservation.Outcome.COMMITTED_LATE, crashed.commit(Usage.of(10, 10)));
    assertEquals(220, statusOf(m, u, "user-daily-tokens").used());
    // a retried commit of the reclaimed reservation does not count twice
    UsageEvent retry =
        UsageEvent.builder(crashed.id(), clock.instant(), EventStatus.SUCCESS, u)
            .reservationId(crashed.id())
            .outputTokens(20)
            .build();
    assertEquals(
        CommitResult.Status.ALREADY_APPLIED,
        store
            .commit(
                crashed.id(),
                List.of(
                    new Charge(
                        new CounterKey(
                            "user-daily-tokens", u, Instant.parse("2026-11-25T00:00:00Z")),
                        20,
                        1_000,
                        Admission.ALWAYS,
                        Instant.parse("2026-11-26T00:00:00Z"))),
                retry)
            .status());
    assertEquals(220, statusOf(m, u, "user-daily-tokens").used());
    assertEquals(220, ledgerTokens(u));
    assertTrue(
        store.findEvents(EventQuery.all(100).forSubject(u)).stream()
            .anyMatch(
                e -> e.status() == EventStatus.EXPIRED && crashed.id().equals(e.reservationId())));
  }

  @Test
  void reclaimExpiredReturnsCapacityAndCountsReservations() {
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(userDaily(1_000))
            .clock(clock)
            .defaultLogging(false)
            .leaseDuration(Duration.ofMinutes(1))
            .build();
    Reservation a = m.reserve(UsageRequest.forUser("hal").estimatedTokens(100, 0));
    Reservation b = m.reserve(UsageRequest.forUser("hal").estimatedTokens(200, 0));
    clock.advance(Duration.ofSeconds(30));
    b.extend(Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(31));
    assertEquals(1, m.reclaimExpired());
    assertEquals(0, m.reclaimExpired());
    LimitStatus s = statusOf(m, SubjectRef.user("hal"), "user-daily-tokens");
    assertEquals(200, s.reserved());
    assertTrue(b.isOpen());
    b.close();
    a.close(); // its lease was reclaimed: closing changes nothing
    s = statusOf(m, SubjectRef.user("hal"), "user-daily-tokens");
    assertEquals(0, s.reserved());
    assertEquals(0, s.used());
  }

  @Test
  void extendKeepsALeaseAlive() {
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(userDaily(1_000))
            .clock(clock)
            .defaultLogging(false)
            .leaseDuration(Duration.ofMinutes(1))
            .build();
    try (Reservation r = m.reserve(UsageRequest.forUser("ivy").estimatedTokens(900, 0))) {
      for (int i = 0; i < 5; i++) {
        clock.advance(Duration.ofSeconds(50));
        r.extend(Duration.ofMinutes(1));
      }
      assertEquals(0, m.reclaimExpired());
      assertFalse(m.tryReserve(UsageRequest.forUser("ivy").estimatedTokens(200, 0)).allowed());
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(900, 0)));
    }
    assertEquals(900, statusOf(m, SubjectRef.user("ivy"), "user-daily-tokens").used());
  }
}
