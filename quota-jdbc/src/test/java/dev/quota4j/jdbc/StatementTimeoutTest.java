package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * The server-side statement timeout of the pool built from a URL: which statement sets it on which
 * server, when the URL's own setting wins, how the builder validates it, and how a cancelled
 * statement is reported. {@link SlowServerTestBase} shows it working on PostgreSQL and MariaDB.
 */
class StatementTimeoutTest {
  static DatabaseMetaData meta(String product, String version) {
    return (DatabaseMetaData)
        Proxy.newProxyInstance(
            StatementTimeoutTest.class.getClassLoader(),
            new Class<?>[] {DatabaseMetaData.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getDatabaseProductName" -> product;
                  case "getDatabaseProductVersion" -> version;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  @Test
  void eachServerGetsItsOwnSessionSetting() throws SQLException {
    Duration t = Duration.ofMillis(24_500);
    assertEquals(
        "SET statement_timeout = 24500",
        OwnedPool.statementTimeoutSql(meta("PostgreSQL", "16.4"), t));
    assertEquals(
        "SET SESSION max_statement_time = 24.500",
        OwnedPool.statementTimeoutSql(meta("MariaDB", "11.4.2-MariaDB"), t));
    // MySQL Connector/J reaching a MariaDB server
    assertEquals(
        "SET SESSION max_statement_time = 0.050",
        OwnedPool.statementTimeoutSql(
            meta("MySQL", "5.5.5-10.11.6-MariaDB"), Duration.ofMillis(50)));
    assertEquals(
        "SET SESSION max_execution_time = 24500",
        OwnedPool.statementTimeoutSql(meta("MySQL", "8.4.0"), t));
    assertNull(OwnedPool.statementTimeoutSql(meta("H2", "2.4.240"), t));
  }

  @Test
  void aUrlThatSetsItsOwnTimeoutWins() {
    assertTrue(
        OwnedPool.setsStatementTimeout(
            "jdbc:postgresql://h/db?options=-c%20statement_timeout=5000"));
    assertTrue(
        OwnedPool.setsStatementTimeout(
            "jdbc:mariadb://h/db?sessionVariables=max_statement_time=5"));
    assertTrue(
        OwnedPool.setsStatementTimeout("jdbc:mysql://h/db?sessionVariables=MAX_EXECUTION_TIME=9"));
    assertFalse(OwnedPool.setsStatementTimeout("jdbc:postgresql://h/db?socketTimeout=30"));
  }

  @Test
  void aNegativeOrSubMillisecondTimeoutIsRefusedNamingTheSetting() {
    for (Duration bad : new Duration[] {Duration.ofSeconds(-1), Duration.ofNanos(500_000)}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> JdbcQuotaStore.builder().statementTimeout(bad));
      assertTrue(e.getMessage().startsWith("statementTimeout must be zero"), e.getMessage());
      assertTrue(e.getMessage().endsWith("was '" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void aTimeoutNotShorterThanTheSocketTimeoutIsRefusedAtBuild() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JdbcQuotaStore.builder()
                    .url("jdbc:h2:mem:statement-timeout")
                    .socketTimeout(Duration.ofSeconds(10))
                    .statementTimeout(Duration.ofSeconds(10))
                    .build());
    assertEquals(
        "statementTimeout must be shorter than socketTimeout (PT10S), was 'PT10S'", e.getMessage());
  }

  @Test
  void withoutASocketTimeoutOrWithZeroAnyTimeoutIsAccepted() {
    JdbcQuotaStore.builder()
        .url("jdbc:h2:mem:statement-timeout-a;DB_CLOSE_DELAY=-1")
        .schemaMode(SchemaMode.INSTALL)
        .socketTimeout(Duration.ZERO)
        .statementTimeout(Duration.ofMinutes(5))
        .build()
        .close();
    JdbcQuotaStore.builder()
        .url("jdbc:h2:mem:statement-timeout-b;DB_CLOSE_DELAY=-1")
        .schemaMode(SchemaMode.INSTALL)
        .statementTimeout(Duration.ZERO)
        .build()
        .close();
  }

  @Test
  void aTimeoutForACallersDataSourceIsRefusedAtBuild() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:statement-timeout-ds;DB_CLOSE_DELAY=-1");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JdbcQuotaStore.builder()
                    .dataSource(ds)
                    .statementTimeout(Duration.ofSeconds(5))
                    .build());
    assertTrue(
        e.getMessage().startsWith("statementTimeout applies only to the pool built from a url"),
        e.getMessage());
  }

  @Test
  void aCancelledStatementIsReportedAsCancelledAndNothingChanged() {
    for (SQLException cancelled :
        new SQLException[] {
          new SQLException("canceling statement due to statement timeout", "57014"),
          new SQLException("Query execution was interrupted (max_statement_time)", "70100", 1969),
          new SQLException("maximum statement execution time exceeded", "HY000", 3024)
        }) {
      assertTrue(Failures.isCancelled(cancelled), cancelled.getMessage());
      assertFalse(Failures.isRetryable(cancelled));
      String m =
          Failures.unavailable(
                  "commit", JdbcDialect.POSTGRESQL, new Tables(Tables.DEFAULT_PREFIX), cancelled)
              .getMessage();
      assertTrue(m.contains(": the database cancelled the statement"), m);
      assertTrue(m.endsWith("; nothing was changed"), m);
    }
  }
}
