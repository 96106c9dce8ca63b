package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Recovery after an outage, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class RecoveryAfterOutageTest {
  /** {@link RecoveryAfterOutageTestBase} on PostgreSQL. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends RecoveryAfterOutageTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  /** {@link RecoveryAfterOutageTestBase} on MariaDB. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends RecoveryAfterOutageTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
