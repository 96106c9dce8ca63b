package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.QuotaStoreContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class StoreContractTest {
  /** The store contract on in memory: tables installed once per class, emptied for each test. */
  @Nested
  class H2 extends QuotaStoreContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * The store contract on PostgreSQL (when QUOTA4J_TEST_POSTGRES_URL is set): tables installed once
   * per class, emptied for each test.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends QuotaStoreContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * The store contract on MariaDB (when QUOTA4J_TEST_MARIADB_URL is set): tables installed once per
   * class, emptied for each test.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends QuotaStoreContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
