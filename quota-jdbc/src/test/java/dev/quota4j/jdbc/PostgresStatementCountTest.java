package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link StatementCountTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}. */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresStatementCountTest extends StatementCountTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }

  @Override
  int[] expectedStatements() {
    return new int[] {3, 4, 7, 6};
  }
}
