package dev.quota4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.QuotaStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The timed store keeps the whole store contract (it only adds timing), and overrides every method
 * of the SPI, so that an optional capability of the wrapped store is never hidden by an interface
 * default.
 */
class TimedStoreContractTest extends QuotaStoreContract {
  @Override
  protected QuotaStore newStore() {
    QuotaMetrics metrics = new QuotaMetrics();
    metrics.bindTo(new SimpleMeterRegistry());
    return metrics.timed(new InMemoryQuotaStore());
  }

  @Test
  void everyMethodOfTheSpiIsDelegated() throws NoSuchMethodException {
    for (Method m : QuotaStore.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      Method own = TimedQuotaStore.class.getMethod(m.getName(), m.getParameterTypes());
      assertEquals(
          TimedQuotaStore.class,
          own.getDeclaringClass(),
          "TimedQuotaStore must override " + m + " and pass it to the wrapped store");
    }
    assertTrue(QuotaStore.class.getMethods().length >= 19);
  }
}
