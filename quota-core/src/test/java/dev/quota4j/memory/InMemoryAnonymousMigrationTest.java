package dev.quota4j.memory;

import dev.quota4j.spi.AnonymousMigrationContract;
import dev.quota4j.spi.QuotaStore;

/** The sign-up migration contract, against the in-memory store. */
class InMemoryAnonymousMigrationTest extends AnonymousMigrationContract {
  @Override
  protected QuotaStore newStore() {
    return new InMemoryQuotaStore();
  }
}
