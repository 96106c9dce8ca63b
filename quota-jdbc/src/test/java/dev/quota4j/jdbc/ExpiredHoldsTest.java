package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.ExpiredHoldsContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Holds whose lease ended count nowhere, on every database: H2 always; PostgreSQL and MariaDB when
 * {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class ExpiredHoldsTest {
  /** Holds whose lease ended count nowhere, on H2: tables installed once, emptied per test. */
  @Nested
  class H2 extends ExpiredHoldsContract {
    @RegisterExtension static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * Holds whose lease ended count nowhere, on PostgreSQL: tables installed once, emptied per test.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends ExpiredHoldsContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /** Holds whose lease ended count nowhere, on MariaDB: tables installed once, emptied per test. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends ExpiredHoldsContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
