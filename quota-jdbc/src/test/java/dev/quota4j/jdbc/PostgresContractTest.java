package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.QuotaStoreContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The store contract on PostgreSQL (when QUOTA4J_TEST_POSTGRES_URL is set): tables installed once
 * per class, emptied for each test.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresContractTest extends QuotaStoreContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.POSTGRES, THREADS + 4);
      db = d;
    }
    return d.freshStore();
  }

  @AfterAll
  static void dropTables() {
    TestDatabase d = db;
    if (d != null) {
      d.close();
      db = null;
    }
  }
}
