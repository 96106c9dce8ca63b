package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Store outages, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class OutageTest {
  /** {@link OutageTestBase} on PostgreSQL. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends OutageTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  /** {@link OutageTestBase} on MariaDB. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends OutageTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
