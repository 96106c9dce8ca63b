package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Leases ended by the right clock when clocks disagree, on every database: H2 always; PostgreSQL
 * and MariaDB when {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name
 * their servers.
 */
class LeaseClockSkewTest {
  @Nested
  class H2 extends LeaseClockSkewTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }
  }

  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends LeaseClockSkewTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends LeaseClockSkewTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
