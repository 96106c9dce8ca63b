package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaException;
import dev.quota4j.QuotaStoreRefusedException;
import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * The database refusing a statement's data is a refusal, not an outage (before: every SQL failure
 * that was not retried became {@link QuotaStoreUnavailableException}).
 */
class FailuresRefusalTest {
  private static QuotaException failure(SQLException e) {
    return Failures.failure("record", JdbcDialect.POSTGRESQL, new Tables("q_"), e);
  }

  @Test
  void dataAndConstraintRefusalsAreRefusals() {
    SQLException[] refusals = {
      new SQLException("bigint out of range", "22003"), // PostgreSQL, H2
      new SQLException("BIGINT value is out of range", "22003", 1690), // MariaDB
      new SQLException("Out of range value for column", "HY000", 1264), // MariaDB, another state
      new SQLException("value too long", "22001"),
      new SQLException("check constraint violated", "23514"),
      new SQLException("not null violated", "23502")
    };
    for (SQLException e : refusals) {
      assertTrue(Failures.isRefusal(e), e.getMessage());
      QuotaException q = failure(e);
      assertEquals(QuotaStoreRefusedException.class, q.getClass(), e.getMessage());
      assertTrue(q.getMessage().contains("record"), q.getMessage());
      assertTrue(q.getMessage().contains(e.getSQLState()), q.getMessage());
    }
  }

  @Test
  void outagesStayOutages() {
    SQLException[] outages = {
      new SQLException("connection refused", "08001"),
      new SQLException("duplicate key", "23505"), // a unique violation is handled elsewhere
      new SQLException("duplicate entry", "23000", 1062),
      new SQLException("relation does not exist", "42P01"),
      new SQLException("no state")
    };
    for (SQLException e : outages) {
      assertFalse(Failures.isRefusal(e), String.valueOf(e.getMessage()));
      assertEquals(QuotaStoreUnavailableException.class, failure(e).getClass());
    }
  }
}
