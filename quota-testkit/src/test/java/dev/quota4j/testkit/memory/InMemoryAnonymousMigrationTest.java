package dev.quota4j.testkit.memory;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.AnonymousMigrationContract;

/** The sign-up migration contract, against the in-memory store. */
class InMemoryAnonymousMigrationTest extends AnonymousMigrationContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
