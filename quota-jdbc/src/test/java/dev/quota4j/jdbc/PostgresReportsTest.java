package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The reports contract on PostgreSQL (when QUOTA4J_TEST_POSTGRES_URL is set). */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresReportsTest extends JdbcReportsTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
