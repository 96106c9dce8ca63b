package dev.quota4j.testkit.memory;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.ExpiredHoldsContract;

/** Holds whose lease ended count nowhere, in the in-memory store. */
class InMemoryExpiredHoldsTest extends ExpiredHoldsContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
