package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Statements and transactions per admission, on every database: H2 always; PostgreSQL and MariaDB
 * when {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class StatementCountTest {
  /** {@link StatementCountTestBase} on H2. */
  @Nested
  class H2 extends StatementCountTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }

    @Override
    int[] expectedStatements() {
      // reserve: insert reservation + 2 conditional updates
      // commit: ledger insert + delete returning + 2 settles + 1 read of used (no rollup:
      // compaction
      // writes it)
      return new int[] {3, 5, 7, 6, 5};
    }
  }

  /** {@link StatementCountTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends StatementCountTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }

    /**
     * Reserve and commit are one call each of a PL/pgSQL function in autocommit mode (schema V4), a
     * first reserve too; a rejection is the call plus one read of expired leases on its counters.
     */
    @Override
    int[] expectedStatements() {
      return new int[] {1, 1, 1, 2, 1};
    }
  }

  /** {@link StatementCountTestBase} on the server named by {@value TestDatabase#MARIADB_ENV}. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends StatementCountTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }

    @Override
    int[] expectedStatements() {
      return new int[] {3, 5, 7, 6, 5};
    }
  }
}
