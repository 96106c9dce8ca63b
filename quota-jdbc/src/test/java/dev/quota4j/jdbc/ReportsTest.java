package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The reports contract (and with half of the workload compacted first), on every database: H2
 * always; PostgreSQL and MariaDB when {@value TestDatabase#POSTGRES_ENV} and {@value
 * TestDatabase#MARIADB_ENV} name their servers.
 */
class ReportsTest {
  /** The reports contract on H2 (in memory). */
  @Nested
  class H2 extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }
  }

  /**
   * The reports contract on H2 with half of the workload compacted before the other half is
   * written: reports read rollups, events not rolled up, and late events together.
   */
  @Nested
  class H2Compacted extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }

    @Override
    protected boolean compactHalfway() {
      return true;
    }
  }

  /** The reports contract on PostgreSQL (when QUOTA4J_TEST_POSTGRES_URL is set). */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  /**
   * The reports contract on PostgreSQL with half of the workload compacted before the other half is
   * written (when QUOTA4J_TEST_POSTGRES_URL is set).
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class PostgresCompacted extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }

    @Override
    protected boolean compactHalfway() {
      return true;
    }
  }

  /** The reports contract on MariaDB (when QUOTA4J_TEST_MARIADB_URL is set). */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }

  /**
   * The reports contract on MariaDB with half of the workload compacted before the other half is
   * written (when QUOTA4J_TEST_MARIADB_URL is set).
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDbCompacted extends JdbcReportsTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }

    @Override
    protected boolean compactHalfway() {
      return true;
    }
  }
}
