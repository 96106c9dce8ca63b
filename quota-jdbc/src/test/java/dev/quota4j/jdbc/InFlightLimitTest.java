package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InFlightLimitContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits on the calls in flight, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class InFlightLimitTest {
  /** Limits on calls in flight, on H2. */
  @Nested
  class H2 extends InFlightLimitContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /** Limits on calls in flight, on the server named by {@value TestDatabase#POSTGRES_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends InFlightLimitContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /** Limits on calls in flight, on the server named by {@value TestDatabase#MARIADB_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends InFlightLimitContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, THREADS + 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
