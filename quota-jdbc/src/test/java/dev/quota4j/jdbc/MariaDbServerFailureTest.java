package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ServerFailureTestBase} on MariaDB. */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbServerFailureTest extends ServerFailureTestBase {
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
