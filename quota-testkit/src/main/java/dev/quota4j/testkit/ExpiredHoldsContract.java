package dev.quota4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Overshoot;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.ReservationExpiredException;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hold whose lease has ended counts nowhere: not in {@code status()}, not in {@code check()}, not
 * in the CLAMP output budget, and its capacity comes back without the host calling {@code
 * reclaimExpired()}. An {@code extend()} that comes too late says what happened. One subclass per
 * store; time moves on a {@link MutableClock}.
 */
public abstract class ExpiredHoldsContract {
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

  private QuotaManager manager(Limit limit) {
    return QuotaManager.builder()
        .store(store)
        .policy(QuotaPolicy.builder().plan(Plan.builder("free").limit(limit).build()).build())
        .clock(clock)
        .defaultLogging(false)
        .leaseDuration(Duration.ofMinutes(1))
        .build();
  }

  private static Limit daily(long tokens) {
    return Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, tokens);
  }

  /** Three holds of 300 tokens whose callers went away: their leases end a minute later. */
  private static void abandonThreeHolds(QuotaManager m, String user) {
    for (int i = 0; i < 3; i++) {
      Reservation abandoned = m.reserve(UsageRequest.forUser(user).estimatedTokens(300, 0));
      assertTrue(abandoned.isOpen());
    }
  }

  @Test
  void abandonedHoldsWhoseLeaseEndedDoNotReduceStatusRemaining() {
    QuotaManager m = manager(daily(1_000));
    abandonThreeHolds(m, "ann");
    assertEquals(
        100, m.status(SubjectRef.user("ann")).limit("daily-tokens").orElseThrow().remaining());
    clock.advance(Duration.ofMinutes(2));
    LimitStatus s = m.status(SubjectRef.user("ann")).limit("daily-tokens").orElseThrow();
    assertEquals(0, s.reserved(), "the ended leases hold nothing: " + s);
    assertEquals(1_000, s.remaining(), "the ended leases hold nothing: " + s);
  }

  @Test
  void checkAdmitsWhatTryReserveAdmitsOnceTheLeasesEnded() {
    QuotaManager m = manager(daily(1_000));
    abandonThreeHolds(m, "bob");
    clock.advance(Duration.ofMinutes(2));
    UsageRequest request = UsageRequest.forUser("bob").estimatedTokens(800, 0).build();
    QuotaDecision checked = m.check(request);
    assertTrue(checked.allowed(), () -> "check denies what fits: " + checked);
    assertEquals(1_000, checked.remaining("daily-tokens").orElseThrow());
    QuotaDecision reserved = m.tryReserve(request);
    assertTrue(reserved.allowed(), () -> "tryReserve: " + reserved);
    reserved.reservation().close();
  }

  @Test
  void clampGrantsWhatFitsOnceTheLeasesEnded() {
    QuotaManager m = manager(daily(1_000).overshoot(Overshoot.CLAMP));
    for (int i = 0; i < 2; i++) {
      assertTrue(m.reserve(UsageRequest.forUser("cat").estimatedTokens(300, 0)).isOpen());
    }
    clock.advance(Duration.ofMinutes(2));
    try (Reservation r = m.reserve(UsageRequest.forUser("cat").estimatedTokens(100, 800))) {
      assertEquals(800, r.grantedMaxOutputTokens(), "nothing holds the counter: no clamp");
      r.commit(Usage.of(100, 800));
    }
    // and with a live hold of 300, CLAMP grants exactly what is left
    Reservation live = m.reserve(UsageRequest.forUser("cat").estimatedTokens(50, 0));
    clock.advance(Duration.ofSeconds(1));
    try (Reservation r = m.reserve(UsageRequest.forUser("cat").estimatedTokens(10, 500))) {
      assertEquals(1_000 - 900 - 50 - 10, r.grantedMaxOutputTokens());
    }
    live.close();
  }

  @Test
  void capacityComesBackWithoutTheHostCallingReclaimExpired() {
    QuotaManager m = manager(daily(1_000));
    abandonThreeHolds(m, "dan");
    clock.advance(Duration.ofMinutes(2));
    // a read that meets the ended holds reclaims them: the ledger says so
    assertEquals(
        1_000, m.status(SubjectRef.user("dan")).limit("daily-tokens").orElseThrow().remaining());
    long expired =
        store.findEvents(EventQuery.all(100)).stream()
            .filter(e -> e.status() == EventStatus.EXPIRED)
            .count();
    assertEquals(3, expired);
    assertEquals(0, m.reclaimExpired(), "nothing left for maintenance");
  }

  @Test
  void extendAfterTheLeaseEndedReleasesTheHoldAndSaysSo() {
    QuotaManager m = manager(daily(1_000));
    Reservation late = m.reserve(UsageRequest.forUser("eve").estimatedTokens(500, 0));
    clock.advance(Duration.ofMinutes(2));
    // nobody reclaimed it yet: the extension finds the lease ended
    CounterKey key =
        new CounterKey(
            "daily-tokens", SubjectRef.user("eve"), Instant.parse("2026-11-25T00:00:00Z"));
    assertEquals(500, Objects.requireNonNull(store.counters(List.of(key)).get(key)).reserved());
    ReservationExpiredException e =
        assertThrows(ReservationExpiredException.class, () -> late.extend(Duration.ofMinutes(5)));
    String message = String.valueOf(e.getMessage());
    assertTrue(message.contains("released"), message);
    assertTrue(message.contains("COMMITTED_LATE"), message);
    assertEquals(
        0,
        store.counters(List.of(key)).getOrDefault(key, CounterValue.ZERO).reserved(),
        "the hold is released, as the exception says");
    assertEquals(Reservation.Outcome.COMMITTED_LATE, late.commit(Usage.of(400, 0)));
    LimitStatus s = m.status(SubjectRef.user("eve")).limit("daily-tokens").orElseThrow();
    assertEquals(400, s.used());
    assertEquals(0, s.reserved());
  }
}
