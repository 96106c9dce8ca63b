package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The reports contract on MariaDB with half of the workload compacted before the other half is
 * written (when QUOTA4J_TEST_MARIADB_URL is set).
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbCompactedReportsTest extends MariaDbReportsTest {
  @Override
  protected boolean compactHalfway() {
    return true;
  }
}
