package dev.quota4j.jdbc;

import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What {@link JdbcQuotaStore.Builder#build()} does: checks the settings that depend on each other,
 * opens the connection source (a pool of its own for a URL), detects the dialect, installs or
 * validates the schema, and closes the pool again when any of that fails.
 */
final class StoreOpener {
  private StoreOpener() {}

  static JdbcQuotaStore open(JdbcQuotaStore.Builder b) {
    int sources =
        (b.dataSource != null ? 1 : 0) + (b.jdbi != null ? 1 : 0) + (b.url != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException(
          "exactly one of dataSource, jdbi and url must be set, " + sources + " were");
    }
    Duration statement = b.statementTimeout;
    if (statement != null) {
      Args.argument(
          b.url != null,
          "statementTimeout",
          "applies only to the pool built from a url: configure the server-side timeout of the"
              + " given data source or Jdbi on its connections",
          statement);
      Args.argument(
          statement.isZero()
              || b.socketTimeout.isZero()
              || statement.compareTo(b.socketTimeout) < 0,
          "statementTimeout",
          "must be shorter than socketTimeout (" + b.socketTimeout + ")",
          statement);
    } else {
      statement = Duration.ofMillis(b.socketTimeout.toMillis() / 5 * 4);
    }
    Tables tables = new Tables(b.tablePrefix);
    AutoCloseable owned = null;
    Db.ConnectionSource source;
    String where;
    boolean connects = b.dialect == null || b.schemaMode != SchemaMode.NONE;
    if (b.url != null) {
      requireHikari();
      DataSource pool =
          OwnedPool.create(
              b.url,
              b.username,
              b.password,
              b.maxPoolSize,
              b.connectionTimeout,
              b.socketTimeout,
              statement,
              connects);
      owned = (AutoCloseable) pool;
      source = Db.of(pool);
      where = redact(b.url);
    } else if (b.jdbi != null) {
      source = JdbiSource.of(b.jdbi);
      where = "the given Jdbi";
    } else {
      source = Db.of(Objects.requireNonNull(b.dataSource));
      where = "the given DataSource";
    }
    try {
      JdbcDialect d = b.dialect;
      if (connects) {
        try (Db.Lease lease = source.open()) {
          Connection c = lease.connection();
          if (d == null) {
            d = JdbcDialect.detect(c.getMetaData());
          }
        } catch (SQLException e) {
          throw new QuotaStoreUnavailableException(
              "cannot connect to " + where + ": " + Failures.describe(e), e);
        }
      }
      Sql sql = Objects.requireNonNull(d, "dialect").sql(tables);
      if (b.schemaMode == SchemaMode.INSTALL) {
        SchemaInstaller.install(source, sql);
      }
      if (b.schemaMode != SchemaMode.NONE) {
        SchemaInstaller.validate(source, sql);
      }
      return new JdbcQuotaStore(source, sql, b.maxAttempts, b.reportCounters, owned);
    } catch (RuntimeException e) {
      if (owned != null) {
        try {
          owned.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Fails with a message that says what to do when HikariCP, an optional dependency needed only to
   * build a pool from a URL, is not there.
   */
  private static void requireHikari() {
    try {
      Class.forName(
          "com.zaxxer.hikari.HikariDataSource", false, StoreOpener.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(
          "url(...) builds a HikariCP pool, and HikariCP is not on the class path: add"
              + " com.zaxxer:HikariCP to your dependencies (on the module path, also resolve"
              + " com.zaxxer.hikari), or pass your own pool with dataSource(...)",
          e);
    }
  }

  /** A JDBC URL without its password, for messages. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password|pwd)=[^&;]*", "$1=***")
        .replaceAll("//[^/@?;]*:[^/@?;]*@", "//***@");
  }
}
