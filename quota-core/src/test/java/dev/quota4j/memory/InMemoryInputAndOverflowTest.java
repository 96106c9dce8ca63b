package dev.quota4j.memory;

import dev.quota4j.spi.InputAndOverflowContract;
import dev.quota4j.spi.QuotaStore;

/** Unstorable ids and overflowing amounts, against the in-memory store. */
class InMemoryInputAndOverflowTest extends InputAndOverflowContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
