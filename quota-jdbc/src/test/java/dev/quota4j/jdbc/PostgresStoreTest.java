package dev.quota4j.jdbc;

/** {@link JdbcStoreTestBase} on Postgres. */
class PostgresStoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
