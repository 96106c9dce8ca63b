package dev.quota4j.jdbc;

import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Connections, transactions and bounded retries. Statements are plain JDBC prepared statements with
 * positional parameters: the store needs exact control of how many statements and round trips each
 * operation costs, and of the {@link SQLException} each one raises.
 */
final class Db {
  /** Where connections come from. */
  interface ConnectionSource {
    Lease open() throws SQLException;
  }

  /** A borrowed connection and how to give it back. */
  interface Lease extends AutoCloseable {
    Connection connection();

    @Override
    void close() throws SQLException;
  }

  /** A body of work in one transaction. */
  interface Work<T> {
    T run(Tx tx) throws SQLException;
  }

  final Sql sql;
  private final ConnectionSource source;
  private final int maxAttempts;

  Db(ConnectionSource source, Sql sql, int maxAttempts) {
    this.source = source;
    this.sql = sql;
    this.maxAttempts = maxAttempts;
  }

  static ConnectionSource of(DataSource ds) {
    return () -> {
      Connection c = ds.getConnection();
      return new Lease() {
        @Override
        public Connection connection() {
          return c;
        }

        @Override
        public void close() throws SQLException {
          c.close();
        }
      };
    };
  }

  /**
   * Runs {@code work} in one transaction, committed when it returns (unless it rolled back itself)
   * and rolled back when it throws. A serialization failure, deadlock or lock timeout runs it
   * again, up to the configured number of attempts, after a short random pause. Any other failure
   * becomes a {@link QuotaStoreUnavailableException}, or a {@code QuotaStoreRefusedException} when
   * the database refused the data ({@link Failures#isRefusal}).
   */
  <T> T inTransaction(String operation, Work<T> work) {
    return inTransaction(operation, maxAttempts, work);
  }

  /**
   * Runs a maintenance transaction (compaction, purging): like {@link #inTransaction(String,
   * Work)}, with at least {@value #MAINTENANCE_ATTEMPTS} attempts. These batches take many rows'
   * locks and run beside admission and each other on several instances, so deadlocks are expected
   * under load; a background job can afford to wait them out, and a batch that gives up only delays
   * the work to the next run.
   */
  <T> T inMaintenanceTransaction(String operation, Work<T> work) {
    return inTransaction(operation, Math.max(maxAttempts, MAINTENANCE_ATTEMPTS), work);
  }

  /** The fewest attempts a maintenance transaction makes. */
  static final int MAINTENANCE_ATTEMPTS = 12;

  private <T> T inTransaction(String operation, int attempts, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return once(work);
      } catch (OutcomeUnknown e) {
        throw Failures.unavailable(operation, sql.dialect(), sql.t, e.failure, true);
      } catch (SQLException e) {
        if (attempt < attempts && Failures.isRetryable(e)) {
          pause(operation, attempt, e);
          continue;
        }
        throw Failures.failure(operation, sql.dialect(), sql.t, e);
      }
    }
  }

  /**
   * The connection failed while the database may have been committing the work: during {@code
   * COMMIT}, or during a statement run in autocommit mode. The work may have been applied; the
   * caller cannot know. A connection failure before that point (no connection, or a statement of a
   * transaction whose {@code COMMIT} was never sent) changed nothing: the database rolls back a
   * transaction whose connection is gone.
   */
  static final class OutcomeUnknown extends SQLException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // never serialized
    final SQLException failure;

    OutcomeUnknown(SQLException failure) {
      super(failure.getMessage(), failure.getSQLState(), failure.getErrorCode(), failure);
      this.failure = failure;
    }
  }

  /** {@code e}, or {@link OutcomeUnknown} when it is a connection failure. */
  private static SQLException whileCommitting(SQLException e) {
    return Failures.isConnectionFailure(e) ? new OutcomeUnknown(e) : e;
  }

  /**
   * Runs {@code work}, which sends exactly one statement, with the connection in autocommit mode:
   * the statement is its own transaction, committed by the database as it ends, in one round trip
   * (no {@code COMMIT} follows). Retried and reported like {@link #inTransaction}; a statement the
   * database refused or cancelled changed nothing, while one whose connection failed may have been
   * applied.
   */
  <T> T inAutocommit(String operation, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return onceAutocommit(work);
      } catch (OutcomeUnknown e) {
        throw Failures.unavailable(operation, sql.dialect(), sql.t, e.failure, true);
      } catch (SQLException e) {
        if (attempt < maxAttempts && Failures.isRetryable(e)) {
          pause(operation, attempt, e);
          continue;
        }
        throw Failures.failure(operation, sql.dialect(), sql.t, e);
      }
    }
  }

  private <T> T onceAutocommit(Work<T> work) throws SQLException {
    try (Lease lease = source.open()) {
      Connection c = lease.connection();
      boolean autoCommit = c.getAutoCommit();
      if (!autoCommit) {
        c.setAutoCommit(true);
      }
      try {
        return work.run(new Tx(c, sql));
      } catch (SQLException e) {
        throw whileCommitting(e);
      } finally {
        if (!autoCommit) {
          try {
            c.setAutoCommit(false);
          } catch (SQLException ignored) {
            // the pool discards a broken connection
          }
        }
      }
    }
  }

  private <T> T once(Work<T> work) throws SQLException {
    try (Lease lease = source.open()) {
      Connection c = lease.connection();
      boolean autoCommit = c.getAutoCommit();
      if (autoCommit) {
        c.setAutoCommit(false);
      }
      Tx tx = new Tx(c, sql);
      try {
        T result = work.run(tx);
        if (tx.rolledBack) {
          // nothing to commit
        } else {
          try {
            c.commit();
          } catch (SQLException e) {
            throw whileCommitting(e);
          }
        }
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        if (autoCommit) {
          try {
            c.setAutoCommit(true);
          } catch (SQLException ignored) {
            // the pool discards a broken connection
          }
        }
      }
    }
  }

  private void pause(String operation, int attempt, SQLException cause) {
    try {
      // 1 to 4, 8, ... ms, at most 256 ms
      TimeUnit.MILLISECONDS.sleep(
          ThreadLocalRandom.current().nextLong(1, 2L << Math.min(attempt, 7)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      QuotaStoreUnavailableException x =
          Failures.unavailable(operation, sql.dialect(), sql.t, cause);
      x.addSuppressed(e);
      throw x;
    }
  }

  /** Reads a row. */
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** One transaction's statements. */
  static final class Tx {
    final Connection c;
    final Sql sql;
    boolean rolledBack;

    Tx(Connection c, Sql sql) {
      this.c = c;
      this.sql = sql;
    }

    /** Rolls back now; the transaction then commits nothing. */
    void rollback() throws SQLException {
      c.rollback();
      rolledBack = true;
    }

    int update(String statement, Object... params) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        bind(ps, sql, params);
        return ps.executeUpdate();
      }
    }

    /**
     * An insert whose duplicate is no error: the row count is 0 for a duplicate, whether the
     * dialect skips it or raises a violation that only rolls back the statement.
     */
    int insertUnlessPresent(String statement, Object... params) throws SQLException {
      try {
        return update(statement, params);
      } catch (SQLException e) {
        if (sql.insertRaisesOnDuplicate() && Failures.isUniqueViolation(e)) {
          return 0;
        }
        throw e;
      }
    }

    /**
     * An upsert ({@code MERGE}, {@code ON CONFLICT}, {@code ON DUPLICATE KEY}). Where the dialect's
     * upsert can still raise a unique violation (H2's {@code MERGE ... WHEN NOT MATCHED} when
     * another transaction inserted the same row meanwhile), the violation is turned into a
     * serialization failure, so that {@link Db#inTransaction} runs the transaction again and then
     * finds the row.
     */
    int upsert(String statement, Object... params) throws SQLException {
      try {
        return update(statement, params);
      } catch (SQLException e) {
        if (sql.insertRaisesOnDuplicate() && Failures.isUniqueViolation(e)) {
          throw new java.sql.SQLTransactionRollbackException(
              "another transaction inserted the same row; running this one again", "40001", e);
        }
        throw e;
      }
    }

    /** {@link #upsert} for each row: one JDBC batch where the dialect's upsert never raises. */
    void upsertAll(String statement, List<Object[]> rows) throws SQLException {
      if (sql.insertRaisesOnDuplicate()) {
        for (Object[] row : rows) {
          upsert(statement, row);
        }
      } else {
        batch(statement, rows);
      }
    }

    /** Runs one statement for each parameter row, as one JDBC batch; returns the row counts. */
    int[] batch(String statement, List<Object[]> rows) throws SQLException {
      if (rows.isEmpty()) {
        return new int[0];
      }
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        for (Object[] row : rows) {
          bind(ps, sql, row);
          ps.addBatch();
        }
        return ps.executeBatch();
      }
    }

    <T> List<T> query(String statement, RowMapper<T> mapper, Object... params) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        bind(ps, sql, params);
        try (ResultSet rs = ps.executeQuery()) {
          List<T> out = new ArrayList<>();
          while (rs.next()) {
            out.add(mapper.map(rs));
          }
          return out;
        }
      }
    }

    <T> @Nullable T first(String statement, RowMapper<T> mapper, Object... params)
        throws SQLException {
      List<T> rows = query(statement, mapper, params);
      return rows.isEmpty() ? null : rows.get(0);
    }
  }

  /**
   * An SQL array bind value: {@code type} is the element type as the database names it ({@code
   * varchar}, {@code bigint}, {@code timestamp}); strings among the elements are bound through
   * {@link Sql#text}.
   */
  @SuppressWarnings("ArrayRecordComponent") // an internal carrier: never compared, hashed or shared
  record SqlArray(String type, Object[] elements) {}

  /** A null bind value of type VARCHAR. */
  static final Object NULL_STRING = new Object();

  static void bind(PreparedStatement ps, Sql sql, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      int at = i + 1;
      if (p == NULL_STRING) {
        ps.setNull(at, Types.VARCHAR);
      } else if (p instanceof String s) {
        ps.setString(at, sql.text(s));
      } else if (p instanceof Long l) {
        ps.setLong(at, l);
      } else if (p instanceof Integer n) {
        ps.setInt(at, n);
      } else if (p instanceof Boolean b) {
        ps.setBoolean(at, b);
      } else if (p instanceof LocalDateTime t) {
        ps.setObject(at, t);
      } else if (p instanceof SqlArray a) {
        Object[] elements = a.elements().clone();
        for (int e = 0; e < elements.length; e++) {
          if (elements[e] instanceof String s) {
            elements[e] = sql.text(s);
          }
        }
        ps.setArray(at, ps.getConnection().createArrayOf(a.type(), elements));
      } else if (p instanceof Instant) {
        throw new IllegalStateException("bind Instants through Times");
      } else {
        throw new IllegalStateException("cannot bind " + p.getClass());
      }
    }
  }

  static Object str(@Nullable String s) {
    return s == null ? NULL_STRING : s;
  }
}
