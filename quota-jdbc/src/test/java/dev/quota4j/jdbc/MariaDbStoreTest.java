package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link JdbcStoreTestBase} on MariaDb. */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbStoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }
}
