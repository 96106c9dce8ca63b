package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link JdbcStoreTestBase} on Postgres. */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresStoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
