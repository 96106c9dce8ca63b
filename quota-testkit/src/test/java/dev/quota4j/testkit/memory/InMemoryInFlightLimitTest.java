package dev.quota4j.testkit.memory;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InFlightLimitContract;

/** Limits on calls in flight, on the in-memory store. */
class InMemoryInFlightLimitTest extends InFlightLimitContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
