package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link StatementCountTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}. */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresStatementCountTest extends StatementCountTestBase {
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
