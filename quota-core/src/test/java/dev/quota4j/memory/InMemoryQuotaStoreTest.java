package dev.quota4j.memory;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.QuotaStoreContract;

/** The store contract, against the in-memory store. */
class InMemoryQuotaStoreTest extends QuotaStoreContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
