package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
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
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Input a store cannot keep exactly, and amounts that would overflow a counter, are refused with an
 * {@link IllegalArgumentException} naming the field before any store call: an unpaired UTF-16
 * surrogate was stored altered ({@code ?} on PostgreSQL), so two users shared one counter and a
 * distinct event id was dropped as a duplicate; a usage that overflowed a counter came back as
 * {@link dev.quota4j.QuotaStoreUnavailableException}, an outage. A backend's test is a subclass
 * that supplies a fresh, empty store.
 */
public abstract class InputAndOverflowContract {
  private static final String LIMIT = "user-daily-tokens";

  protected QuotaStore store;
  protected MutableClock clock;

  /** A fresh, empty store. Called before each test. */
  protected abstract QuotaStore newStore();

  @BeforeEach
  void setUpStore() {
    store = newStore();
    clock = MutableClock.at("2026-11-25T10:15:00Z");
  }

  @AfterEach
  void tearDownStore() {
    if (store != null) {
      store.close();
    }
  }

  private QuotaManager manager(LimitMode mode) {
    return QuotaManager.builder()
        .store(store)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of(LIMIT, Metric.TOKENS, Window.DAY, 1_000).mode(mode))
                        .build())
                .build())
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  private List<UsageEvent> ledger() {
    return store.findEvents(EventQuery.all(1_000));
  }

  private static void assertRefused(String field, String shown, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    String message = String.valueOf(e.getMessage());
    assertTrue(message.startsWith(field), "names the field " + field + ": " + message);
    assertTrue(message.contains(shown), "shows the value escaped as " + shown + ": " + message);
    for (int i = 0; i < message.length(); i++) {
      assertFalse(Character.isSurrogate(message.charAt(i)), "no raw surrogate in: " + message);
    }
  }

  /**
   * "alice?" and "alice\uD800" were one user on PostgreSQL (the driver sends an unpaired surrogate
   * as '?'): the second was denied on the first one's counter.
   */
  @Test
  void usersWhoseIdsDifferOnlyByAnUnpairedSurrogateDoNotShareACounter() {
    QuotaManager m = manager(LimitMode.ENFORCE);
    SubjectRef alice = SubjectRef.user("alice?");
    try (Reservation r = m.reserve(UsageRequest.forUser("alice?").estimatedTokens(300, 300))) {
      r.commit(Usage.of(300, 300));
    }
    List<UsageEvent> before = ledger();
    assertRefused(
        "user id",
        "\\ud800",
        () -> {
          try (Reservation r =
              m.reserve(UsageRequest.forUser("alice\uD800").estimatedTokens(300, 300))) {
            r.commit(Usage.of(300, 300));
          }
        });
    assertRefused(
        "user id",
        "\\udc00",
        () -> m.tryReserve(UsageRequest.forUser("alice\uDC00").estimatedTokens(1, 1)));
    LimitStatus s = m.status(alice).limit(LIMIT).orElseThrow();
    assertEquals(600, s.used());
    assertEquals(0, s.reserved());
    assertEquals(before, ledger(), "nothing was written");
  }

  /**
   * A distinct event id with an unpaired surrogate was stored as the id before it ("evt-?") on
   * PostgreSQL and dropped as a duplicate: its usage was lost without an error.
   */
  @Test
  void aRecordWhoseEventIdHasAnUnpairedSurrogateIsRefusedNotDroppedAsADuplicate() {
    QuotaManager m = manager(LimitMode.ENFORCE);
    assertTrue(m.record("evt-?", UsageRequest.forUser("bob").build(), Usage.of(10, 5)));
    List<UsageEvent> before = ledger();
    assertRefused(
        "eventId",
        "\\ud83d",
        () -> m.record("evt-\uD83D", UsageRequest.forUser("bob").build(), Usage.of(20, 5)));
    assertEquals(before, ledger(), "nothing was written");
    assertEquals(15, m.status(SubjectRef.user("bob")).limit(LIMIT).orElseThrow().used());
    // a surrogate pair is a character like any other, and U+0000 is kept exactly by every store
    // (PostgreSQL through the store's own escape): both are accepted and stay distinct ids
    for (String id : List.of("evt-\uD83D\uDE42", "evt-\u0000", "evt-\u0000?")) {
      assertTrue(m.record(id, UsageRequest.forUser("bob").build(), Usage.of(1, 1)), id);
      assertEquals(1, ledger().stream().filter(e -> e.eventId().equals(id)).count(), id);
    }
    assertEquals(21, m.status(SubjectRef.user("bob")).limit(LIMIT).orElseThrow().used());
  }

  /** Commit of Usage.of(Long.MAX_VALUE, 0) on a used counter came back as a store outage. */
  @Test
  void aCommitThatWouldOverflowACounterIsRefusedAndChangesNothing() {
    QuotaManager m = manager(LimitMode.ENFORCE);
    SubjectRef carol = SubjectRef.user("carol");
    try (Reservation r = m.reserve(UsageRequest.forUser("carol").estimatedTokens(100, 100))) {
      r.commit(Usage.of(100, 100));
    }
    try (Reservation r = m.reserve(UsageRequest.forUser("carol").estimatedTokens(100, 100))) {
      List<UsageEvent> before = ledger();
      assertRefused(
          "inputTokens", "9223372036854775807", () -> r.commit(Usage.of(Long.MAX_VALUE, 0)));
      assertRefused(
          "outputTokens", "1000000000000001", () -> r.commit(Usage.of(0, Usage.MAX_AMOUNT + 1)));
      LimitStatus s = m.status(carol).limit(LIMIT).orElseThrow();
      assertEquals(200, s.used());
      assertEquals(200, s.reserved(), "the reservation is still open");
      assertEquals(before, ledger(), "nothing was written");
      assertEquals(Reservation.Outcome.COMMITTED, r.commit(Usage.of(50, 50)));
    }
    assertEquals(300, m.status(carol).limit(LIMIT).orElseThrow().used());
    assertRefused(
        "inputTokens",
        "9223372036854775807",
        () -> m.record("big", UsageRequest.forUser("carol").build(), Usage.of(Long.MAX_VALUE, 0)));
    assertEquals(300, m.status(carol).limit(LIMIT).orElseThrow().used());
  }

  /** A huge estimate on a SHADOW limit (charged, never denied) came back as a store outage. */
  @Test
  void aHugeEstimateOnAShadowLimitIsRefusedAndChangesNothing() {
    QuotaManager m = manager(LimitMode.SHADOW);
    SubjectRef dave = SubjectRef.user("dave");
    try (Reservation r = m.reserve(UsageRequest.forUser("dave").estimatedTokens(500, 500))) {
      r.commit(Usage.of(500, 700));
    }
    List<UsageEvent> before = ledger();
    assertRefused(
        "inputTokens",
        "4611686018427387903",
        () ->
            m.reserve(
                UsageRequest.forUser("dave")
                    .estimatedTokens(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2)));
    assertRefused(
        "maxOutputTokens",
        "9223372036854775807",
        () -> m.tryReserve(UsageRequest.forUser("dave").estimatedTokens(0, Long.MAX_VALUE)));
    assertRefused(
        "maxOutputTokens",
        "9223372036854775807",
        () -> m.check(UsageRequest.forUser("dave").estimatedTokens(0, Long.MAX_VALUE)));
    LimitStatus s = m.status(dave).limit(LIMIT).orElseThrow();
    assertEquals(1_200, s.used());
    assertEquals(0, s.reserved());
    assertEquals(before, ledger(), "nothing was written");
    // at the bound, the estimate is charged exactly (a shadow limit never denies)
    try (Reservation r =
        m.reserve(
            UsageRequest.forUser("dave").estimatedTokens(Usage.MAX_AMOUNT, Usage.MAX_AMOUNT))) {
      assertEquals(2 * Usage.MAX_AMOUNT, m.status(dave).limit(LIMIT).orElseThrow().reserved());
    }
    assertEquals(0, m.status(dave).limit(LIMIT).orElseThrow().reserved());
  }

  /**
   * The SPI's own value types refuse what a store could not keep, so no store ever sees it; a store
   * refuses such a reservation id itself.
   */
  @Test
  void theSpiValueTypesRefuseUnstorableIds() {
    Instant day = Instant.parse("2026-11-25T00:00:00Z");
    Instant now = clock.instant();
    CounterKey key = new CounterKey("k", SubjectRef.user("u"), day);
    List<Charge> charges = List.of(new Charge(key, 1, 10, Admission.FIT, day.plusSeconds(86_400)));
    assertRefused(
        "reservationId",
        "\\ud800",
        () -> store.reserve("r\uD800", charges, now, now.plusSeconds(60)));
    assertEquals(
        CounterValue.ZERO, store.counters(List.of(key)).getOrDefault(key, CounterValue.ZERO));
    assertRefused("limitId", "\\udfff", () -> new CounterKey("x\uDFFF", SubjectRef.SYSTEM, day));
    assertRefused(
        "eventId",
        "\\ud800",
        () ->
            UsageEvent.builder("e\uD800", day, EventStatus.SUCCESS, SubjectRef.user("u")).build());
    assertRefused(
        "tag value",
        "\\udc00",
        () ->
            UsageEvent.builder("e", day, EventStatus.SUCCESS, SubjectRef.user("u"))
                .tag("k", "v\uDC00")
                .build());
    assertRefused(
        "plan", "\\udbff", () -> SubjectRecord.create(SubjectRef.user("u"), "p\uDBFF", day));
  }
}
