package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link StatementCountTestBase} on the server named by {@value TestDatabase#MARIADB_ENV}. */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbStatementCountTest extends StatementCountTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }

  @Override
  int[] expectedStatements() {
    return new int[] {3, 5, 7, 6, 5};
  }
}
