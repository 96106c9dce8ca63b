package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The reports contract on MariaDB (when QUOTA4J_TEST_MARIADB_URL is set). */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbReportsTest extends JdbcReportsTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }
}
