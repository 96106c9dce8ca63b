package dev.quota4j.jdbc;

/** {@link JdbcStoreTestBase} on MariaDb. */
class MariaDbStoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }
}
