package dev.quota4j.jdbc;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Server failures, on every database: H2 always; PostgreSQL and MariaDB when {@value
 * TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class ServerFailureTest {
  /** {@link ServerFailureTestBase} on PostgreSQL. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends ServerFailureTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }

    @Override
    String withWrongUser(String url) {
      String base = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
      return base + "?user=quota4j_nobody&password=s3cret";
    }
  }

  /** {@link ServerFailureTestBase} on MariaDB. */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends ServerFailureTestBase {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }

    @Override
    String withWrongUser(String url) {
      String base = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
      return base + "?user=quota4j_nobody&password=s3cret";
    }
  }
}
