package dev.quota4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.FailMode;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageJournal;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testing.MutableClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What the meters say after real admissions, read from a {@link SimpleMeterRegistry}. */
class QuotaMetricsTest {
  private final MockClock ticks = new MockClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, ticks);
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final QuotaMetrics metrics = new QuotaMetrics();

  private final QuotaPolicy policy =
      QuotaPolicy.builder()
          .plan(
              Plan.builder(QuotaPolicy.DEFAULT_PLAN)
                  .limit(Limit.of("daily-tokens", Metric.TOKENS, Window.DAY, 1_000))
                  .build())
          .build();

  private QuotaManager manager(QuotaStore store, FailMode mode) {
    metrics.bindTo(registry);
    QuotaManager m =
        QuotaManager.builder()
            .store(metrics.timed(store))
            .policy(policy)
            .clock(clock)
            .failMode(mode)
            .defaultLogging(false)
            .listener(metrics)
            .build();
    metrics.monitor(m);
    return m;
  }

  private double count(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void admissionsDenialsTokensCostAndThresholdsAreCounted() {
    QuotaManager quotas = manager(new InMemoryQuotaStore(), FailMode.FAIL_CLOSED);
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser("u-1")
                .provider("openai")
                .model("gpt-4o")
                .estimatedTokens(500, 300))) {
      r.commit(Usage.of(600, 200).withCachedInputTokens(100));
    }
    QuotaDecision denied =
        quotas.tryReserve(UsageRequest.forUser("u-1").model("gpt-4o").estimatedTokens(300, 0));
    assertFalse(denied.allowed());
    quotas.tryReserve(UsageRequest.forUser("u-2").estimatedTokens(10, 0)).reservation().close();

    assertEquals(2, count("quota4j.admissions", "outcome", "admitted", "code", "none"));
    assertEquals(
        1,
        count(
            "quota4j.admissions",
            "outcome",
            "denied",
            "code",
            DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED));
    assertEquals(
        600, count("quota4j.tokens", "kind", "input", "provider", "openai", "model", "gpt-4o"));
    assertEquals(
        200, count("quota4j.tokens", "kind", "output", "provider", "openai", "model", "gpt-4o"));
    assertEquals(
        100, count("quota4j.tokens", "kind", "cached", "provider", "openai", "model", "gpt-4o"));
    assertEquals(1, count("quota4j.settlements", "status", "success"));
    assertEquals(1, count("quota4j.settlements", "status", "released"));
    assertEquals(1, count("quota4j.thresholds", "limit", "daily-tokens", "level", "warning"));
    for (Meter m : registry.getMeters()) {
      for (var tag : m.getId().getTags()) {
        assertFalse(tag.getValue().startsWith("u-"), "no subject id as a tag: " + m.getId());
      }
    }
  }

  @Test
  void storeCallsAreTimedPerOperationOnTheRegistryClock() {
    InMemoryQuotaStore memory = new InMemoryQuotaStore();
    QuotaStore slow =
        forwarding(
            memory, "reserve", () -> ticks.add(7, TimeUnit.MILLISECONDS), new AtomicBoolean(false));
    QuotaManager quotas = manager(slow, FailMode.FAIL_CLOSED);
    quotas.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0)).close();

    Timer reserve =
        registry
            .get("quota4j.store.duration")
            .tags("operation", "reserve", "outcome", "success")
            .timer();
    assertEquals(1, reserve.count());
    assertEquals(7, reserve.totalTime(TimeUnit.MILLISECONDS), 0.001);
    assertEquals(
        1,
        registry
            .get("quota4j.store.duration")
            .tags("operation", "release", "outcome", "success")
            .timer()
            .count());
    assertEquals(1.0, registry.get("quota4j.store.available").gauge().value());
  }

  @Test
  void anUnreachableStoreShowsInTheGaugesAndAsFailOpenAdmissions() {
    AtomicBoolean down = new AtomicBoolean(false);
    QuotaStore flaky = forwarding(new InMemoryQuotaStore(), "", () -> {}, down);
    metrics.bindTo(registry);
    QuotaManager quotas =
        QuotaManager.builder()
            .store(metrics.timed(flaky))
            .policy(policy)
            .clock(clock)
            .failMode(FailMode.FAIL_OPEN)
            .journal(UsageJournal.inMemory())
            .storeRetryInterval(Duration.ZERO)
            .defaultLogging(false)
            .listener(metrics)
            .build();
    metrics.monitor(quotas);

    down.set(true);
    try (Reservation r = quotas.reserve(UsageRequest.forUser("u").estimatedTokens(10, 0))) {
      assertTrue(r.isDetached());
      r.commit(Usage.of(10, 0));
    }
    assertEquals(0.0, registry.get("quota4j.store.available").gauge().value());
    assertEquals(1.0, registry.get("quota4j.journal.pending").gauge().value());
    assertEquals(1, count("quota4j.admissions", "outcome", "fail_open", "code", "none"));
    assertTrue(
        registry
                .get("quota4j.store.duration")
                .tags("operation", "reserve", "outcome", "unavailable")
                .timer()
                .count()
            >= 1);

    down.set(false);
    assertEquals(0, quotas.replayPending(), "nothing left waiting");
    assertEquals(1.0, registry.get("quota4j.store.available").gauge().value());
    assertEquals(0.0, registry.get("quota4j.journal.pending").gauge().value());
  }

  @Test
  void eventsBeforeBindingAreNotCountedAndDoNotFail() {
    QuotaMetrics unbound = new QuotaMetrics();
    QuotaManager quotas =
        QuotaManager.builder()
            .store(unbound.timed(new InMemoryQuotaStore()))
            .policy(policy)
            .clock(clock)
            .defaultLogging(false)
            .listener(unbound)
            .build();
    quotas.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0)).close();
    assertNull(registry.find("quota4j.admissions").counter());
    unbound.bindTo(registry);
    quotas.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0)).close();
    assertEquals(1, count("quota4j.admissions", "outcome", "admitted", "code", "none"));
  }

  /**
   * The store, forwarding every call; {@code before} runs before {@code slowMethod}, and every call
   * throws {@link QuotaStoreUnavailableException} while {@code down} is set.
   */
  private static QuotaStore forwarding(
      QuotaStore target, String slowMethod, Runnable before, AtomicBoolean down) {
    return (QuotaStore)
        Proxy.newProxyInstance(
            QuotaStore.class.getClassLoader(),
            new Class<?>[] {QuotaStore.class},
            (proxy, method, args) -> {
              if (down.get()) {
                throw new QuotaStoreUnavailableException("test: the store is down", null);
              }
              if (method.getName().equals(slowMethod)) {
                before.run();
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
