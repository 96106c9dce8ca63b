package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Faults injected into the connections, on every database: H2 always; PostgreSQL and MariaDB when
 * {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class FaultInjectionTest {
  /** {@link FaultInjectionTestBase} on H2. */
  @Nested
  class H2 extends FaultInjectionTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }
  }

  /** {@link FaultInjectionTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends FaultInjectionTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  /** {@link FaultInjectionTestBase} on the server named by {@value TestDatabase#MARIADB_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends FaultInjectionTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
