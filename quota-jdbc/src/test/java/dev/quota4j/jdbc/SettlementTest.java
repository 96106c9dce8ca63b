package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.SettlementContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Settlement of reservations, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class SettlementTest {
  /** Settling one reservation from two threads, on H2. */
  @Nested
  class H2 extends SettlementContract {
    @RegisterExtension static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * Settling one reservation from two threads, on the server named by {@value
   * TestDatabase#POSTGRES_ENV}.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends SettlementContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * Settling one reservation from two threads, on the server named by {@value
   * TestDatabase#MARIADB_ENV}.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends SettlementContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
