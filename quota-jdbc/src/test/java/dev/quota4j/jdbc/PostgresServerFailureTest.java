package dev.quota4j.jdbc;

import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ServerFailureTestBase} on PostgreSQL. */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresServerFailureTest extends ServerFailureTestBase {
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
