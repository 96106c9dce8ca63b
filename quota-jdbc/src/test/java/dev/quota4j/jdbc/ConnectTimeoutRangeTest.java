package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code connect_timeout} in a SQLAlchemy {@code DATABASE_URL} becomes the driver's {@code
 * connectTimeout}, which both drivers keep as an {@code int} of milliseconds: a value whose
 * milliseconds overflow it passed validation and then failed as "cannot connect" (PostgreSQL: a
 * negative connect timeout; MariaDB: "error parsing url"). The range is checked with the variable.
 */
class ConnectTimeoutRangeTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "postgresql://u@h/db?connect_timeout=0 | jdbc:postgresql://h/db?connectTimeout=0",
        "postgresql://u@h/db?connect_timeout=2147483 | jdbc:postgresql://h/db?connectTimeout=2147483",
        "mysql://u@h/db?connect_timeout=2147483 | jdbc:mariadb://h/db?connectTimeout=2147483000"
      })
  void theLargestValueWhoseMillisecondsFitAnIntIsCarriedOver(String databaseUrl, String jdbc) {
    assertEquals(jdbc, DatabaseEnvironmentTest.url(databaseUrl).url());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgresql://u:hunter2@h/db?connect_timeout=2147484",
        "postgres://u@h/db?connect_timeout=999999999",
        "mysql+pymysql://u@h/db?connect_timeout=2147484",
        "mariadb://u@h/db?connect_timeout=4294968"
      })
  void aValueWhoseMillisecondsOverflowTheDriversIntIsRefusedNamingTheVariable(String databaseUrl) {
    IllegalArgumentException e = DatabaseEnvironmentTest.failsUrl(databaseUrl);
    assertTrue(
        e.getMessage()
            .startsWith(
                "environment variable DATABASE_URL must give connect_timeout in whole seconds,"
                    + " 0 to 2147483"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith(", was '" + DatabaseEnvironment.redact(databaseUrl) + "'"));
    assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
  }
}
