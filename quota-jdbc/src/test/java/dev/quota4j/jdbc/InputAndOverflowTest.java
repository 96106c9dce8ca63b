package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InputAndOverflowContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unstorable ids and overflowing amounts, on every database: H2 always; PostgreSQL and MariaDB when
 * {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class InputAndOverflowTest {
  /** Unstorable ids and overflowing amounts, on H2: tables installed once per class. */
  @Nested
  class H2 extends InputAndOverflowContract {
    @RegisterExtension static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * Unstorable ids and overflowing amounts, on PostgreSQL (when QUOTA4J_TEST_POSTGRES_URL is set):
   * tables installed once per class.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends InputAndOverflowContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * Unstorable ids and overflowing amounts, on MariaDB (when QUOTA4J_TEST_MARIADB_URL is set):
   * tables installed once per class.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends InputAndOverflowContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
