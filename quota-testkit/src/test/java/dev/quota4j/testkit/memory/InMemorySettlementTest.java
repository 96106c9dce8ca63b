package dev.quota4j.testkit.memory;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.SettlementContract;

/** Settling one reservation from two threads, on the in-memory store. */
class InMemorySettlementTest extends SettlementContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
