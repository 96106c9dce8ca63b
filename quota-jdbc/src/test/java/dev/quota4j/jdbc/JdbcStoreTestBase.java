package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Store-level behaviour of {@link JdbcQuotaStore} that the shared contract suite does not reach:
 * the SQL paths of each dialect (row creation inside a reservation, rejection reports, late
 * commits, lazy reclaim, rollups, exact ids). One subclass per database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcStoreTestBase {
  static final Instant T0 = Instant.parse("2025-03-01T10:15:30Z");
  static final Instant HOUR = Instant.parse("2025-03-01T10:00:00Z");
  static final Instant DAY = Instant.parse("2025-03-01T00:00:00Z");
  static final SubjectRef U1 = SubjectRef.user("u1");

  TestDatabase db;
  JdbcQuotaStore store;

  abstract TestDatabase.Kind kind();

  /** The dialect the store is told to use; null to detect it. */
  @Nullable JdbcDialect storeDialect() {
    return null;
  }

  @BeforeAll
  void openDatabase() {
    db = TestDatabase.open(kind());
    db.storeDialect = storeDialect();
  }

  @AfterAll
  void closeDatabase() {
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void freshStore() {
    store = db.freshStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static Charge charge(String limit, SubjectRef s, long amount, long max, Admission a) {
    Instant start = limit.contains("daily") ? DAY : HOUR;
    Instant end = start.plus(limit.contains("daily") ? Duration.ofDays(1) : Duration.ofHours(1));
    return new Charge(new CounterKey(limit, s, start), amount, max, a, end);
  }

  static Charge fit(String limit, SubjectRef s, long amount, long max) {
    return charge(limit, s, amount, max, Admission.FIT);
  }

  static UsageEvent event(String id, EventStatus status, SubjectRef s, long in, long out) {
    return UsageEvent.builder(id, T0, status, s)
        .inputTokens(in)
        .outputTokens(out)
        .provider("openai")
        .model("gpt-4o")
        .operation("planning")
        .build();
  }

  CounterValue counter(Charge c) {
    return store.counters(List.of(c.key())).getOrDefault(c.key(), CounterValue.ZERO);
  }

  @Test
  void reserveCreatesCountersAndHoldsTheAmount() {
    Charge daily = fit("user-daily", U1, 300, 1000);
    Charge hourly = fit("system-hourly", SubjectRef.SYSTEM, 300, 5000);
    ReserveResult r = store.reserve("r1", List.of(daily, hourly), T0, T0.plusSeconds(60));
    assertInstanceOf(ReserveResult.Granted.class, r);
    assertEquals(new CounterValue(0, 300), counter(daily));
    assertEquals(new CounterValue(0, 300), counter(hourly));
  }

  @Test
  void rejectionChangesNothingAndReportsTheFirstChargeInTheGivenOrder() {
    Charge a = fit("user-daily", U1, 600, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(a), T0, T0.plusSeconds(60)));
    // b fits, c does not, d does not: c is reported although d comes first in lock order
    Charge b = fit("zz-fits", U1, 10, 1000);
    Charge c = fit("user-daily", U1, 500, 1000);
    Charge d = fit("aa-never", U1, 5, 4);
    ReserveResult r = store.reserve("r2", List.of(b, c, d), T0, T0.plusSeconds(60));
    assertEquals(new ReserveResult.Rejected(c, new CounterValue(0, 600)), r);
    assertEquals(CounterValue.ZERO, counter(b));
    assertEquals(new CounterValue(0, 600), counter(a));
    assertFalse(store.release("r2", event("e-r2", EventStatus.RELEASED, U1, 0, 0)));
  }

  @Test
  void fitAdmitsExactlyUpToTheLimit() {
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("r1", List.of(fit("user-daily", U1, 999, 1000)), T0, T0.plusSeconds(9)));
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("r2", List.of(fit("user-daily", U1, 1, 1000)), T0, T0.plusSeconds(9)));
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("r3", List.of(fit("user-daily", U1, 0, 1000)), T0, T0.plusSeconds(9)),
        "a zero charge fits a full counter");
    assertInstanceOf(
        ReserveResult.Rejected.class,
        store.reserve("r4", List.of(fit("user-daily", U1, 1, 1000)), T0, T0.plusSeconds(9)));
  }

  @Test
  void anyRemainingAdmitsTheWholeAmountWhileSomethingIsLeft() {
    Charge big = charge("user-daily", U1, 900, 1000, Admission.ANY_REMAINING);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(big), T0, T0.plusSeconds(9)));
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r2", List.of(big), T0, T0.plusSeconds(9)));
    assertEquals(
        new ReserveResult.Rejected(big.withAmount(0), new CounterValue(0, 1800)),
        store.reserve("r3", List.of(big.withAmount(0)), T0, T0.plusSeconds(9)));
  }

  @Test
  void alwaysNeverDeniesAndReportsTheCounterAfterwards() {
    Charge soft = charge("soft-hourly", U1, 700, 1000, Admission.ALWAYS);
    ReserveResult first = store.reserve("r1", List.of(soft), T0, T0.plusSeconds(9));
    assertEquals(new ReserveResult.Granted(Map.of(soft.key(), new CounterValue(0, 700))), first);
    Charge hard = fit("user-daily", U1, 5, 1000);
    ReserveResult second = store.reserve("r2", List.of(hard, soft), T0, T0.plusSeconds(9));
    assertEquals(
        Map.of(soft.key(), new CounterValue(0, 1400)),
        ((ReserveResult.Granted) second).unconditional());
    // the other counters are reported where the dialect returns them without another statement
    CounterValue hardAfter = ((ReserveResult.Granted) second).counters().get(hard.key());
    assertTrue(hardAfter == null || hardAfter.equals(new CounterValue(0, 5)), "" + hardAfter);
  }

  @Test
  void duplicateReservationIdChangesNothing() {
    Charge c = fit("user-daily", U1, 100, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(9)));
    assertInstanceOf(
        ReserveResult.Duplicate.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(9)));
    assertEquals(new CounterValue(0, 100), counter(c));
  }

  @Test
  void commitMovesReservedToUsedOnceAndAppendsOneEvent() {
    Charge c = fit("user-daily", U1, 100, 1000);
    Charge s = fit("system-hourly", SubjectRef.SYSTEM, 100, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(c, s), T0, T0.plusSeconds(9)));
    UsageEvent e = event("e1", EventStatus.SUCCESS, U1, 60, 20);
    CommitResult r = store.commit("r1", List.of(c.withAmount(80)), e);
    assertEquals(CommitResult.Status.APPLIED, r.status());
    assertEquals(Map.of(c.key(), 80L, s.key(), 0L), r.usedAfter());
    assertEquals(new CounterValue(80, 0), counter(c));
    assertEquals(
        new CounterValue(0, 0), counter(s), "reserved counter missing from actual commits as zero");
    assertEquals(CommitResult.alreadyApplied(), store.commit("r1", List.of(c.withAmount(80)), e));
    UsageEvent other = event("e1-retry", EventStatus.SUCCESS, U1, 60, 20);
    assertEquals(
        CommitResult.Status.ALREADY_APPLIED,
        store.commit("r1", List.of(c.withAmount(80)), other).status(),
        "a second commit of the same reservation, under another event id");
    assertEquals(new CounterValue(80, 0), counter(c));
    assertEquals(List.of(e), store.findEvents(EventQuery.all(10)));
  }

  @Test
  void commitAfterTheLeaseWasReclaimedCountsOnceAsLate() {
    Charge c = fit("user-daily", U1, 100, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(9)));
    assertEquals(1, store.reclaimExpired(T0.plusSeconds(10)));
    assertEquals(new CounterValue(0, 0), counter(c));
    UsageEvent e = event("e1", EventStatus.SUCCESS, U1, 70, 0);
    CommitResult late = store.commit("r1", List.of(c.withAmount(70)), e);
    assertEquals(new CommitResult(CommitResult.Status.APPLIED_LATE, Map.of(c.key(), 70L)), late);
    assertEquals(
        CommitResult.Status.ALREADY_APPLIED,
        store.commit("r1", List.of(c.withAmount(70)), e).status());
    assertEquals(new CounterValue(70, 0), counter(c));
    List<UsageEvent> events = store.findEvents(EventQuery.all(10));
    assertEquals(
        List.of(EventStatus.SUCCESS, EventStatus.EXPIRED), // by time: the expiry came later
        events.stream().map(UsageEvent::status).toList());
    assertEquals("r1", events.get(1).reservationId());
    assertEquals(U1, events.get(1).subject());
  }

  @Test
  void lateCommitOnACounterThatDoesNotExistCreatesIt() {
    Charge c = fit("user-daily", SubjectRef.user("nobody-yet"), 0, 1000);
    CommitResult r =
        store.commit(
            "never-reserved", List.of(c.withAmount(5)), event("e", EventStatus.SUCCESS, U1, 5, 0));
    assertEquals(new CommitResult(CommitResult.Status.APPLIED_LATE, Map.of(c.key(), 5L)), r);
    assertEquals(new CounterValue(5, 0), counter(c));
  }

  @Test
  void releaseGivesBackOnceAndBlocksALaterCommit() {
    Charge c = fit("user-daily", U1, 100, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(9)));
    assertTrue(store.release("r1", event("rel", EventStatus.RELEASED, U1, 0, 0)));
    assertFalse(store.release("r1", event("rel2", EventStatus.RELEASED, U1, 0, 0)));
    assertEquals(new CounterValue(0, 0), counter(c));
    assertEquals(
        CommitResult.Status.ALREADY_APPLIED,
        store.commit("r1", List.of(c), event("e", EventStatus.SUCCESS, U1, 100, 0)).status());
    assertEquals(new CounterValue(0, 0), counter(c));
    assertEquals(
        List.of("rel"),
        store.findEvents(EventQuery.all(10)).stream().map(UsageEvent::eventId).toList());
  }

  @Test
  void recordIsIdempotentByEventId() {
    Charge c = fit("user-daily", U1, 40, 10);
    UsageEvent e = event("sync-1", EventStatus.SUCCESS, U1, 40, 0);
    assertEquals(
        new CommitResult(CommitResult.Status.APPLIED, Map.of(c.key(), 40L)),
        store.record(List.of(c), e));
    assertEquals(CommitResult.alreadyApplied(), store.record(List.of(c), e));
    assertEquals(
        new CommitResult(CommitResult.Status.APPLIED, Map.of(c.key(), 80L)),
        store.record(List.of(c), event("sync-2", EventStatus.SUCCESS, U1, 40, 0)),
        "record passes the limit: it is not a reservation");
  }

  @Test
  void appendEventRejectsADuplicateId() {
    UsageEvent denial = event("d1", EventStatus.QUOTA_EXCEEDED, U1, 0, 0);
    assertTrue(store.appendEvent(denial));
    assertFalse(store.appendEvent(denial));
    assertEquals(List.of(denial), store.findEvents(EventQuery.all(10)));
  }

  @Test
  void extendKeepsALeaseAliveAndFailsOnceItEnded() {
    Charge c = fit("user-daily", U1, 100, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("r1", List.of(c), T0, T0.plusSeconds(10)));
    assertTrue(store.extend("r1", T0.plusSeconds(5), T0.plusSeconds(100)));
    assertEquals(0, store.reclaimExpired(T0.plusSeconds(50)));
    // too late: the ended lease is not revived but released by the extend itself
    assertFalse(store.extend("r1", T0.plusSeconds(101), T0.plusSeconds(200)));
    assertEquals(new CounterValue(0, 0), counter(c));
    assertEquals(
        List.of(EventStatus.EXPIRED),
        store.findEvents(EventQuery.all(10)).stream().map(UsageEvent::status).toList());
    assertFalse(store.extend("nope", T0, T0.plusSeconds(200)));
    assertEquals(0, store.reclaimExpired(T0.plusSeconds(101)));
  }

  @Test
  void reserveReclaimsExpiredLeasesOnItsCountersBeforeRejecting() {
    Charge c = fit("user-daily", U1, 1000, 1000);
    Charge elsewhere = fit("user-daily", SubjectRef.user("u2"), 10, 1000);
    assertInstanceOf(
        ReserveResult.Granted.class, store.reserve("crashed", List.of(c), T0, T0.plusSeconds(10)));
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("other", List.of(elsewhere), T0, T0.plusSeconds(10)));
    assertInstanceOf(
        ReserveResult.Rejected.class,
        store.reserve("r2", List.of(c), T0.plusSeconds(5), T0.plusSeconds(60)));
    assertInstanceOf(
        ReserveResult.Granted.class,
        store.reserve("r3", List.of(c), T0.plusSeconds(11), T0.plusSeconds(60)));
    assertEquals(new CounterValue(0, 1000), counter(c));
    assertEquals(
        new CounterValue(0, 10),
        counter(elsewhere),
        "a lease on other counters is left to maintenance");
  }

  @Test
  void idsCompareExactly() {
    SubjectRef upper = SubjectRef.user("User");
    SubjectRef lower = SubjectRef.user("user");
    SubjectRef padded = SubjectRef.user("user ");
    SubjectRef odd = SubjectRef.user("ü\t'\";--\n");
    for (SubjectRef s : List.of(upper, lower, padded, odd)) {
      assertEquals(
          CommitResult.Status.APPLIED,
          store
              .record(
                  List.of(fit("user-daily", s, 1, 10)),
                  event("e-" + s.id(), EventStatus.SUCCESS, s, 1, 0))
              .status());
    }
    for (SubjectRef s : List.of(upper, lower, padded, odd)) {
      assertEquals(new CounterValue(1, 0), counter(fit("user-daily", s, 1, 10)));
      assertEquals(1, store.findEvents(EventQuery.all(10).forSubject(s)).size());
    }
  }

  @Test
  void subjectsRoundTrip() {
    SubjectRecord created = store.createSubjectIfAbsent(SubjectRecord.create(U1, "free", T0));
    assertEquals(SubjectRecord.create(U1, "free", T0), created);
    assertEquals(
        created,
        store.createSubjectIfAbsent(SubjectRecord.create(U1, "premium", T0.plusSeconds(1))));
    SubjectRecord changed =
        created
            .withPlan("premium", T0.plusSeconds(2))
            .withOverrides(Map.of("user-daily-tokens", 5000L, "odd:name 1", 0L), T0.plusSeconds(3))
            .withActive(false, T0.plusSeconds(4));
    store.saveSubject(changed);
    assertEquals(Optional.of(changed), store.findSubject(U1));
    assertTrue(store.findSubject(SubjectRef.user("u2")).isEmpty());
  }

  @Test
  void eventsKeepEveryFieldAndFilter() {
    UsageEvent full =
        UsageEvent.builder("full", T0, EventStatus.ERROR, U1)
            .reservationId("r9")
            .apiKey("k1")
            .providerKey("groq_1")
            .tenant("acme")
            .workflowId("wf-1")
            .sessionId("s-1")
            .operation("agent_call")
            .provider("groq")
            .model("llama")
            .agent("planner")
            .tool("search")
            .inputTokens(11)
            .outputTokens(22)
            .cachedInputTokens(3)
            .characters(44)
            .costMicros(55)
            .estimatedTokens(66)
            .errorCode("TIMEOUT")
            .errorMessage("upstream timed out: 'x'")
            .tag("env", "prod")
            .tag("k:2", "v 2")
            .build();
    assertTrue(store.appendEvent(full));
    UsageEvent later =
        event("later", EventStatus.SUCCESS, SubjectRef.user("u2"), 1, 1).toBuilder()
            .time(T0.plusSeconds(3600))
            .build();
    assertTrue(store.appendEvent(later));
    assertEquals(List.of(full, later), store.findEvents(EventQuery.all(10)));
    assertEquals(List.of(full), store.findEvents(EventQuery.all(1)));
    assertEquals(
        List.of(later), store.findEvents(EventQuery.all(10).forSubject(SubjectRef.user("u2"))));
    assertEquals(List.of(full), store.findEvents(EventQuery.all(10).forWorkflow("wf-1")));
    assertTrue(
        store
            .findEvents(new EventQuery(T0.plusSeconds(1), T0.plusSeconds(3600), null, null, 10))
            .isEmpty());
    assertEquals(
        List.of(full, later),
        store.findEvents(new EventQuery(T0, T0.plusSeconds(3601), null, null, 10)));
  }

  @Test
  void compactionRollsSuccessErrorAndDenialEventsUpByHourAndDay() {
    Charge c = fit("user-daily", U1, 100, 1000);
    store.record(List.of(c), event("a", EventStatus.SUCCESS, U1, 10, 5));
    store.record(List.of(c), event("b", EventStatus.ERROR, U1, 1, 0));
    store.appendEvent(event("c", EventStatus.QUOTA_EXCEEDED, U1, 500, 500));
    store.record(List.of(c), event("a", EventStatus.SUCCESS, U1, 10, 5)); // duplicate: ignored
    store.appendEvent(event("d", EventStatus.RELEASED, U1, 0, 0));
    List<String> rollups = List.of("usage_hourly", "usage_subject_daily", "usage_agent_daily");
    for (String t : rollups) {
      assertEquals(
          0, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + t), "no commit writes " + t);
    }
    assertEquals(4, store.compactEvents(3) + store.compactEvents(3), "released events too");
    assertEquals(0, store.compactEvents(3));
    for (String t : rollups) {
      String table = db.prefix + t;
      assertEquals(1, db.queryLong("SELECT COUNT(*) FROM " + table), t);
      assertEquals(2, db.queryLong("SELECT requests FROM " + table), t);
      assertEquals(1, db.queryLong("SELECT errors FROM " + table), t);
      assertEquals(1, db.queryLong("SELECT denials FROM " + table), t);
      assertEquals(11, db.queryLong("SELECT input_tokens FROM " + table), t);
      assertEquals(5, db.queryLong("SELECT output_tokens FROM " + table), t);
    }
    assertEquals(
        0,
        db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "usage_events WHERE rolled_up = FALSE"));
    assertThrows(IllegalArgumentException.class, () -> store.compactEvents(0));
  }

  /**
   * Many threads reserve and commit against one shared limit: never more than the limit, exactly
   * the limit when demand exceeds it, and counters equal to the ledger.
   */
  @Test
  void concurrentReservationsNeverPassTheLimit() throws Exception {
    long limit = 5_000;
    SubjectRef[] users = {U1, SubjectRef.user("u2"), SubjectRef.user("u3")};
    AtomicLong committed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 40; i++) {
                  long amount = ThreadLocalRandom.current().nextLong(1, 300);
                  SubjectRef u = users[(thread + i) % users.length];
                  Charge sys = fit("system-hourly", SubjectRef.SYSTEM, amount, limit);
                  Charge usr = fit("user-daily", u, amount, limit);
                  String id = "r-" + thread + "-" + i;
                  ReserveResult r = store.reserve(id, List.of(usr, sys), T0, T0.plusSeconds(60));
                  if (r instanceof ReserveResult.Granted) {
                    long actual = amount / 2 + 1;
                    CommitResult c =
                        store.commit(
                            id,
                            List.of(usr.withAmount(actual), sys.withAmount(actual)),
                            event("e-" + id, EventStatus.SUCCESS, u, actual, 0));
                    assertEquals(CommitResult.Status.APPLIED, c.status());
                    committed.addAndGet(actual);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    Charge sys = fit("system-hourly", SubjectRef.SYSTEM, 0, limit);
    CounterValue v = counter(sys);
    assertEquals(0, v.reserved());
    assertEquals(committed.get(), v.used());
    assertTrue(v.used() <= limit);
    long ledger =
        store.findEvents(EventQuery.all(10_000)).stream().mapToLong(UsageEvent::inputTokens).sum();
    assertEquals(committed.get(), ledger);
  }
}
