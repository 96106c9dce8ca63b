package dev.quota4j.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases {@link JdbcQuotaStore} speaks to. Detected from the connection's metadata unless
 * set with {@link JdbcQuotaStore.Builder#dialect}. The SQL of each lives in one package-private
 * class.
 */
public enum JdbcDialect {
  /** H2 2.x, embedded (file or memory) or server. */
  H2("H2", "h2", 2, 0),
  /** PostgreSQL 13 or later. */
  POSTGRESQL("PostgreSQL", "postgresql", 13, 0),
  /**
   * MySQL 8.0 or later. <b>Untested</b>: no MySQL server has run quota4j's tests. This dialect's
   * SQL is the MariaDB dialect's, which the tests run on MariaDB (also through this dialect, on a
   * MariaDB server); the scripts of its schema folder have run on no server.
   */
  MYSQL("MySQL", "mysql", 8, 0),
  /** MariaDB 10.6 or later. */
  MARIADB("MariaDB", "mariadb", 10, 6);

  private final String displayName;
  private final String folder;
  private final int minMajor;
  private final int minMinor;

  JdbcDialect(String displayName, String folder, int minMajor, int minMinor) {
    this.displayName = displayName;
    this.folder = folder;
    this.minMajor = minMajor;
    this.minMinor = minMinor;
  }

  /** The product name, as in messages. */
  public String displayName() {
    return displayName;
  }

  /**
   * The class-path folder of this dialect's versioned schema scripts, for Flyway: {@code
   * classpath:dev/quota4j/jdbc/schema/<folder>} with the placeholder {@code table_prefix}.
   */
  public String schemaLocation() {
    return "dev/quota4j/jdbc/schema/" + folder;
  }

  /** The oldest version supported, as {@code major.minor}. */
  public String minimumVersion() {
    return minMajor + "." + minMinor;
  }

  /**
   * The dialect of the database behind {@code meta}.
   *
   * @throws IllegalStateException for a database this library does not support, or a version older
   *     than {@link #minimumVersion()}
   */
  static JdbcDialect detect(DatabaseMetaData meta) throws SQLException {
    String product = meta.getDatabaseProductName();
    String version = meta.getDatabaseProductVersion();
    String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
    String v = version == null ? "" : version.toLowerCase(Locale.ROOT);
    JdbcDialect d;
    if (p.contains("h2")) {
      d = H2;
    } else if (p.contains("postgresql")) {
      d = POSTGRESQL;
    } else if (p.contains("mariadb") || v.contains("mariadb")) {
      d = MARIADB;
    } else if (p.contains("mysql")) {
      d = MYSQL;
    } else {
      throw new IllegalStateException(
          "database "
              + product
              + " "
              + version
              + " is not supported: quota4j's JDBC store runs on H2 2.x, PostgreSQL 13+, MySQL 8+"
              + " and MariaDB 10.6+");
    }
    int major = meta.getDatabaseMajorVersion();
    int minor = meta.getDatabaseMinorVersion();
    if (major < d.minMajor || (major == d.minMajor && minor < d.minMinor)) {
      throw new IllegalStateException(
          d.displayName
              + " "
              + major
              + "."
              + minor
              + " is too old: quota4j needs "
              + d.minimumVersion()
              + " or later (set JdbcQuotaStore.Builder.dialect to try anyway)");
    }
    return d;
  }

  Sql sql(Tables tables) {
    return switch (this) {
      case H2 -> new H2Sql(tables);
      case POSTGRESQL -> new PostgresSql(tables);
      case MYSQL -> new MySqlSql(tables, this);
      case MARIADB -> new MySqlSql(tables, this);
    };
  }
}
