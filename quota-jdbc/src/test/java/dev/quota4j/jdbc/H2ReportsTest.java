package dev.quota4j.jdbc;

/** The reports contract on H2 (in memory). */
class H2ReportsTest extends JdbcReportsTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
