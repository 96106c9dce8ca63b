package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two instances (two stores, two pools) share one database; one's clock runs 10 minutes ahead. It
 * must not reclaim the other's live holds and admit on top of them: lease expiry of another
 * instance's hold is judged by the database's clock. Its own holds still expire by its own
 * (injected) clock, as a host's unit test expects.
 */
abstract class LeaseClockSkewTestBase {
  static final int CALLS = 7;

  abstract TestDatabase.Kind kind();

  static QuotaManager manager(JdbcQuotaStore store, MutableClock clock) {
    return QuotaManager.builder()
        .store(store)
        .policy(
            QuotaPolicy.builder()
                .plan(
                    Plan.builder("free")
                        .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                        .build())
                .build())
        .clock(clock)
        .defaultLogging(false)
        .recordDenials(false)
        .leaseDuration(Duration.ofMinutes(5))
        .build();
  }

  static LimitStatus status(QuotaManager m) {
    return m.status(SubjectRef.user("u")).limit("daily-tokens").orElseThrow();
  }

  @Test
  void anInstanceWhoseClockRunsAheadNeverReclaimsAnotherInstancesLiveHolds() {
    try (TestDatabase db = TestDatabase.open(kind(), 4);
        JdbcQuotaStore storeA = db.store();
        JdbcQuotaStore storeB = db.storeOnAnotherPool()) {
      MutableClock clockA = MutableClock.at("2026-11-25T10:15:00Z");
      MutableClock clockB = MutableClock.at("2026-11-25T10:25:00Z"); // 10 minutes ahead
      QuotaManager a = manager(storeA, clockA);
      QuotaManager b = manager(storeB, clockB);
      List<Reservation> held = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) { // in flight on A: its leases end at 10:20 by A's clock
        held.add(a.reserve(UsageRequest.forUser("u").estimatedTokens(100, 0)));
      }
      int grantedToB = 0;
      for (int i = 0; i < CALLS; i++) { // B, at 10:25 by its clock, asks for as much again
        QuotaDecision d = b.tryReserve(UsageRequest.forUser("u").estimatedTokens(100, 0));
        if (d.allowed()) {
          held.add(d.reservation());
          grantedToB++;
        }
      }
      LimitStatus seenByB = status(b);
      assertEquals(1_000, seenByB.reserved(), "B sees A's live holds: " + seenByB);
      assertEquals(3, grantedToB, "B gets what is left, not A's live holds");

      // B's own holds still end by B's own clock (a host's fake clock in a unit test)
      clockB.advance(Duration.ofMinutes(6));
      assertEquals(CALLS * 100L, status(b).reserved(), "only B's own ended holds are gone");

      long committedLate = 0;
      for (Reservation r : held) {
        if (r.commit(Usage.of(100, 0)) == Reservation.Outcome.COMMITTED_LATE) {
          committedLate++;
        }
      }
      LimitStatus after = status(a);
      assertTrue(after.used() <= 1_000, "used " + after.used() + " of a 1,000 limit");
      assertEquals((CALLS + 3) * 100L, after.used());
      assertEquals(3, committedLate, "only B's holds, ended by B's clock, were reclaimed");
    }
  }
}
