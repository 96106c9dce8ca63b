package dev.quota4j.jdbc;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * Connections from a caller's {@link Jdbi}. The only class that touches Jdbi, and loaded only when
 * a store is built with {@link JdbcQuotaStore.Builder#jdbi(Jdbi)}: Jdbi is an optional dependency,
 * and a store built from a data source or a URL runs without it on the class path.
 */
final class JdbiSource {
  private JdbiSource() {}

  static Db.ConnectionSource of(Jdbi jdbi) {
    return () -> {
      Handle h;
      try {
        h = jdbi.open();
      } catch (JdbiException e) {
        throw asSql(e);
      }
      return new Db.Lease() {
        @Override
        public java.sql.Connection connection() {
          return h.getConnection();
        }

        @Override
        public void close() throws SQLException {
          try {
            h.close();
          } catch (JdbiException e) {
            throw asSql(e);
          }
        }
      };
    };
  }

  private static SQLException asSql(JdbiException e) {
    return e.getCause() instanceof SQLException s
        ? s
        : new SQLException(e.getMessage(), "08000", e);
  }
}
