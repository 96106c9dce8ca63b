package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * {@link InFlightMultiProcessTestBase} on the server named by {@value TestDatabase#POSTGRES_ENV}.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresInFlightMultiProcessTest extends InFlightMultiProcessTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
