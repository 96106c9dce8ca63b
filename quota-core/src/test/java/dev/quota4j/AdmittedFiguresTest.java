package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An admitted call is heard by listeners, and its reservation says where its limits stood from the
 * store's own answer, so that a host can send rate-limit headers without another store call.
 */
class AdmittedFiguresTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final InMemoryQuotaStore memory = new InMemoryQuotaStore();
  private final AtomicInteger counterReads = new AtomicInteger();

  /** The in-memory store, counting the reads of counters. */
  private final QuotaStore store =
      (QuotaStore)
          Proxy.newProxyInstance(
              QuotaStore.class.getClassLoader(),
              new Class<?>[] {QuotaStore.class},
              (proxy, method, args) -> {
                if (method.getName().equals("counters")) {
                  counterReads.incrementAndGet();
                }
                try {
                  return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });

  private final List<Reservation> admitted = new ArrayList<>();

  private final QuotaPolicy policy =
      QuotaPolicy.builder()
          .plan(
              Plan.builder(QuotaPolicy.DEFAULT_PLAN)
                  .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                  .limit(Limit.of("hourly-requests", Metric.REQUESTS, Window.HOUR, 3))
                  .build())
          .build();

  private final QuotaManager quotas =
      QuotaManager.builder()
          .store(store)
          .policy(policy)
          .clock(clock)
          .defaultLogging(false)
          .listener(
              new QuotaListener() {
                @Override
                public void onAdmitted(UsageRequest request, Reservation reservation) {
                  admitted.add(reservation);
                }
              })
          .build();

  @Test
  void aReservationCarriesWhereItsLimitsStoodWithItselfCountedIn() {
    try (Reservation first = quotas.reserve(UsageRequest.forUser("u").estimatedTokens(100, 50))) {
      first.commit(Usage.of(100, 20));
    }
    int readsBefore = counterReads.get();
    Reservation r = quotas.reserve(UsageRequest.forUser("u").estimatedTokens(200, 100));
    assertEquals(readsBefore, counterReads.get(), "no read beyond the reservation itself");

    List<LimitStatus> limits = r.limits();
    assertEquals(2, limits.size());
    LimitStatus tokens = byName(limits, "daily-tokens");
    assertEquals(120, tokens.used());
    assertEquals(300, tokens.reserved());
    assertEquals(1_000, tokens.limit());
    assertEquals(580, tokens.remaining());
    assertEquals(Instant.parse("2026-11-26T00:00:00Z"), tokens.resetsAt());
    LimitStatus requests = byName(limits, "hourly-requests");
    assertEquals(1, requests.used());
    assertEquals(1, requests.reserved());
    assertEquals(1, requests.remaining());
    assertEquals(Instant.parse("2026-11-25T11:00:00Z"), requests.resetsAt());

    assertEquals(2, admitted.size(), "the listener heard both admissions");
    assertSame(r, admitted.get(1));
    r.close();
  }

  @Test
  void aDeniedCallIsNotHeardAsAdmitted() {
    QuotaDecision d = quotas.tryReserve(UsageRequest.forUser("u").estimatedTokens(2_000, 0));
    assertTrue(!d.allowed());
    assertTrue(admitted.isEmpty());
  }

  private static LimitStatus byName(List<LimitStatus> limits, String name) {
    return limits.stream().filter(l -> l.limitName().equals(name)).findFirst().orElseThrow();
  }
}
