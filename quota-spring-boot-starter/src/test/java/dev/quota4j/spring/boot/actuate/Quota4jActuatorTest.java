package dev.quota4j.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.UsageRequest;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spring.boot.Quota4jAutoConfiguration;
import dev.quota4j.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health indicator and the endpoint: conditions, and what they say. */
class Quota4jActuatorTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T10:15:00Z");
  private final AtomicBoolean down = new AtomicBoolean();

  /** The in-memory store, unreachable while {@link #down} is set. */
  private final QuotaStore flaky =
      (QuotaStore)
          Proxy.newProxyInstance(
              QuotaStore.class.getClassLoader(),
              new Class<?>[] {QuotaStore.class},
              new java.lang.reflect.InvocationHandler() {
                private final InMemoryQuotaStore memory = new InMemoryQuotaStore();

                @Override
                public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args)
                    throws Throwable {
                  if (down.get()) {
                    throw new QuotaStoreUnavailableException("test: down", null);
                  }
                  try {
                    return method.invoke(memory, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                }
              });

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  Quota4jAutoConfiguration.class, Quota4jActuatorAutoConfiguration.class))
          .withBean(Clock.class, () -> clock)
          .withBean(QuotaStore.class, () -> flaky)
          .withPropertyValues(
              "quota4j.retention.enabled=false",
              "quota4j.plans.default.limits.daily.amount=10",
              "management.endpoints.web.exposure.include=health,quota4j",
              "management.endpoints.jmx.exposure.include=quota4j");

  @Test
  void healthIsDownOnlyWhenTheStoreIsUnreachableAndTheManagerFailsClosed() {
    runner.run(
        ctx -> {
          Quota4jHealthIndicator health = ctx.getBean(Quota4jHealthIndicator.class);
          Health up = health.health(true);
          assertThat(up.getStatus()).isEqualTo(Status.UP);
          assertThat(up.getDetails())
              .containsEntry("store", "reachable")
              .containsEntry("failMode", "FAIL_CLOSED")
              .containsEntry("journalPending", 0);
          down.set(true);
          Health closed = health.health(true);
          assertThat(closed.getStatus()).isEqualTo(Status.DOWN);
          assertThat(closed.getDetails()).containsEntry("store", "unreachable");
        });
    down.set(false);
    runner
        .withPropertyValues("quota4j.fail-mode=fail-open")
        .run(
            ctx -> {
              QuotaManager m = ctx.getBean(QuotaManager.class);
              down.set(true);
              m.reserve(UsageRequest.forUser("u").estimatedTokens(1, 0))
                  .commit(dev.quota4j.Usage.of(1, 0));
              Health open = ctx.getBean(Quota4jHealthIndicator.class).health(true);
              assertThat(open.getStatus()).isEqualTo(Status.UP);
              assertThat(open.getDetails())
                  .containsEntry("failingOpen", true)
                  .containsEntry("journalPending", 1);
            });
  }

  @Test
  void theHealthIndicatorCanBeSwitchedOff() {
    runner
        .withPropertyValues("management.health.quota4j.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(Quota4jHealthIndicator.class));
  }

  @Test
  void theEndpointShowsASubjectAndDenialsOfTheLastHourByCode() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasSingleBean(Quota4jEndpoint.class);
          QuotaManager m = ctx.getBean(QuotaManager.class);
          assertThat(m.tryReserve(UsageRequest.forUser("u").estimatedTokens(11, 0)).allowed())
              .isFalse();
          Quota4jEndpoint endpoint = ctx.getBean(Quota4jEndpoint.class);
          assertThat(endpoint.summary().get("deniedLastHour"))
              .isEqualTo(Map.of("DAILY_TOKEN_QUOTA_EXCEEDED", 1L));
          clock.advance(Duration.ofMinutes(61));
          assertThat(endpoint.summary().get("deniedLastHour")).isEqualTo(Map.of());
          Map<String, Object> subject = endpoint.subject("user", "u");
          assertThat(subject).containsEntry("known", true).containsEntry("plan", "default");
          assertThat(subject.get("limits").toString()).contains("limit=daily");
        });
  }

  @Test
  void theEndpointIsAbsentUnlessExposed() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                Quota4jAutoConfiguration.class, Quota4jActuatorAutoConfiguration.class))
        .withPropertyValues("quota4j.retention.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(Quota4jEndpoint.class);
              assertThat(ctx).hasSingleBean(Quota4jHealthIndicator.class);
            });
  }
}
