package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The reports contract on PostgreSQL with half of the workload compacted before the other half is
 * written (when QUOTA4J_TEST_POSTGRES_URL is set).
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresCompactedReportsTest extends PostgresReportsTest {
  @Override
  protected boolean compactHalfway() {
    return true;
  }
}
