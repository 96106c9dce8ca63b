package dev.quota4j.memory;

import dev.quota4j.spi.InFlightLimitContract;
import dev.quota4j.spi.QuotaStore;

/** Limits on calls in flight, on the in-memory store. */
class InMemoryInFlightLimitTest extends InFlightLimitContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
