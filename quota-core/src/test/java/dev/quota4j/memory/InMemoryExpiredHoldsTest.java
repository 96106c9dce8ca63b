package dev.quota4j.memory;

import dev.quota4j.spi.ExpiredHoldsContract;
import dev.quota4j.spi.QuotaStore;

/** Holds whose lease ended count nowhere, in the in-memory store. */
class InMemoryExpiredHoldsTest extends ExpiredHoldsContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
