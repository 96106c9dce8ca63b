package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Exact admission across processes, on every database: H2 always; PostgreSQL and MariaDB when
 * {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class MultiProcessTest {
  /** {@link MultiProcessTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends MultiProcessTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  /** {@link MultiProcessTestBase} on the server named by {@value TestDatabase#MARIADB_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends MultiProcessTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
