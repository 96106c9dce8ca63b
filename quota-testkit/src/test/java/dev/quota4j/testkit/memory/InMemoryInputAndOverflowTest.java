package dev.quota4j.testkit.memory;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InputAndOverflowContract;

/** Unstorable ids and overflowing amounts, against the in-memory store. */
class InMemoryInputAndOverflowTest extends InputAndOverflowContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
