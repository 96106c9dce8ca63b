package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * {@link InFlightMultiProcessTestBase} on the server named by {@value TestDatabase#MARIADB_ENV}.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbInFlightMultiProcessTest extends InFlightMultiProcessTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.MARIADB;
  }
}
