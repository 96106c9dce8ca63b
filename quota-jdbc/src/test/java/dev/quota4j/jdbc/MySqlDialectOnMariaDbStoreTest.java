package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * {@link JdbcStoreTestBase} with the {@link JdbcDialect#MYSQL} dialect's SQL on MariaDB (which runs
 * MySQL's statements): covers MySQL's own paths, such as locking a reservation and deleting it in
 * two statements where MariaDB has {@code DELETE ... RETURNING}. No MySQL server is in CI.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MySqlDialectOnMariaDbStoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }

  @Override
  @Nullable JdbcDialect storeDialect() {
    return JdbcDialect.MYSQL;
  }

  @Test
  void theStoreSpeaksMySql() {
    assertEquals(JdbcDialect.MYSQL, store.dialect());
  }
}
