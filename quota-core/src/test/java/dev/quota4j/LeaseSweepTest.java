package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lease sweep a host schedules next to retention: {@link Retention#scheduleReclaim}. */
class LeaseSweepTest {
  @Test
  void theScheduledSweepReleasesEndedLeasesOnTheManagersClock() {
    MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, 1_000))
                            .build())
                    .build())
            .clock(clock)
            .defaultLogging(false)
            .leaseDuration(Duration.ofMinutes(1))
            .build();
    for (int i = 0; i < 3; i++) {
      assertEquals(true, m.reserve(UsageRequest.forUser("u").estimatedTokens(100, 0)).isOpen());
    }
    List<Runnable> scheduled = new ArrayList<>();
    List<Long> periods = new ArrayList<>();
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> scheduleWithFixedDelay(
              Runnable command, long initialDelay, long delay, TimeUnit unit) {
            scheduled.add(command);
            periods.add(unit.toMillis(delay));
            return super.schedule(() -> {}, 1, TimeUnit.DAYS);
          }
        };
    try {
      Retention retention = Retention.of(m, RetentionPolicy.defaults());
      assertThrows(
          IllegalArgumentException.class,
          () -> retention.scheduleReclaim(executor, Duration.ofMillis(10)));
      ScheduledFuture<?> sweep = retention.scheduleReclaim(executor, Duration.ofMinutes(1));
      assertEquals(List.of(60_000L), periods);
      scheduled.get(0).run();
      assertEquals(3, store.openReservations(), "the leases have not ended");
      clock.advance(Duration.ofMinutes(2));
      scheduled.get(0).run();
      assertEquals(0, store.openReservations());
      assertEquals(
          3,
          store.findEvents(EventQuery.all(10)).stream()
              .filter(e -> e.status() == EventStatus.EXPIRED)
              .count());
      assertEquals(0, retention.reclaimOnce());
      sweep.cancel(false);
    } finally {
      executor.shutdownNow();
    }
  }
}
