package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A database for tests, with tables under a prefix of its own so that test classes, and engineers
 * running the same tests at the same time on the same servers, never see each other's rows.
 *
 * <p>Which databases run:
 *
 * <ul>
 *   <li>H2 (in memory): always.
 *   <li>PostgreSQL: when the environment variable {@value #POSTGRES_ENV} holds a JDBC URL, for
 *       example {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres} (what {@code .ci/run}
 *       sets). Unset: those tests are skipped. Set but unreachable: they fail.
 *   <li>MariaDB (or MySQL): when {@value #MARIADB_ENV} holds a JDBC URL, for example {@code
 *       jdbc:mariadb://127.0.0.1:3306/test?user=root}. Same rules.
 * </ul>
 */
final class TestDatabase implements AutoCloseable {
  static final String POSTGRES_ENV = "QUOTA4J_TEST_POSTGRES_URL";
  static final String MARIADB_ENV = "QUOTA4J_TEST_MARIADB_URL";

  enum Kind {
    H2,
    POSTGRES,
    MARIADB
  }

  final Kind kind;
  final String url;
  final String prefix;
  final HikariDataSource dataSource;
  private boolean installed;

  /**
   * Stores talk this dialect instead of the detected one (the schema is still installed in the
   * detected one): MySQL's SQL runs on MariaDB, so its own paths are tested without a MySQL server.
   */
  @Nullable JdbcDialect storeDialect;

  private TestDatabase(Kind kind, String url, String prefix, int poolSize) {
    this.kind = kind;
    this.url = url;
    this.prefix = prefix;
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(poolSize);
    c.setPoolName("test-" + prefix);
    c.setConnectionTimeout(10_000);
    c.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    this.dataSource = new HikariDataSource(c);
  }

  /** The URL of {@code kind}, or a skipped test when its variable is unset. */
  static String url(Kind kind) {
    return switch (kind) {
      case H2 -> "jdbc:h2:mem:" + uniquePrefix() + ";DB_CLOSE_DELAY=-1";
      case POSTGRES -> env(POSTGRES_ENV);
      case MARIADB -> env(MARIADB_ENV);
    };
  }

  private static String env(String name) {
    String v = System.getenv(name);
    assumeTrue(v != null && !v.isBlank(), name + " is not set: skipping this database's tests");
    return v;
  }

  static @Nullable String envOrNull(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? null : v;
  }

  static TestDatabase open(Kind kind) {
    return open(kind, 16);
  }

  static TestDatabase open(Kind kind, int poolSize) {
    return new TestDatabase(kind, url(kind), uniquePrefix(), poolSize);
  }

  /** A prefix no other run uses: {@code t} and 10 random hex digits. */
  static String uniquePrefix() {
    return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
  }

  JdbcDialect dialect() {
    return switch (kind) {
      case H2 -> JdbcDialect.H2;
      case POSTGRES -> JdbcDialect.POSTGRESQL;
      case MARIADB -> JdbcDialect.MARIADB;
    };
  }

  /** A store on this database; the first one installs the schema, later ones validate it. */
  JdbcQuotaStore store() {
    if (!installed) {
      JdbcQuotaStore.builder()
          .dataSource(dataSource)
          .tablePrefix(prefix)
          .schemaMode(SchemaMode.INSTALL)
          .build()
          .close();
      installed = true;
    }
    JdbcQuotaStore.Builder b = JdbcQuotaStore.builder().dataSource(dataSource).tablePrefix(prefix);
    JdbcDialect d = storeDialect;
    if (d != null) {
      b.dialect(d);
    }
    return b.build();
  }

  private final java.util.List<HikariDataSource> extraPools = new java.util.ArrayList<>();

  /**
   * A store over the same tables through a pool of its own, as another process would have; closed
   * with this database.
   */
  JdbcQuotaStore storeOnAnotherPool() {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(4);
    c.setPoolName("test-" + prefix + "-" + extraPools.size());
    c.setConnectionTimeout(10_000);
    c.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    HikariDataSource ds = new HikariDataSource(c);
    extraPools.add(ds);
    return JdbcQuotaStore.builder().dataSource(ds).tablePrefix(prefix).build();
  }

  /** A fresh store: the schema installed, every table emptied. */
  JdbcQuotaStore freshStore() {
    JdbcQuotaStore s = store();
    clean();
    return s;
  }

  void clean() {
    Tables t = new Tables(prefix);
    exec(
        List.of(
            "DELETE FROM " + t.counters,
            "DELETE FROM " + t.counterStripes,
            "DELETE FROM " + t.reservations,
            "DELETE FROM " + t.events,
            "DELETE FROM " + t.hourly,
            "DELETE FROM " + t.daily,
            "DELETE FROM " + t.subjectDaily,
            "DELETE FROM " + t.agentDaily,
            "DELETE FROM " + t.subjects));
  }

  void exec(List<String> statements) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  long queryLong(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  void dropTables() {
    Tables t = new Tables(prefix);
    List<String> drops = new java.util.ArrayList<>();
    for (String table : t.all()) {
      drops.add("DROP TABLE IF EXISTS " + table);
    }
    if (kind == Kind.POSTGRES) {
      // every signature: schema V5 keeps V4's reserve next to its own
      drops.add(
          "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p"
              + " WHERE p.proname IN ('"
              + t.reserveFunction
              + "', '"
              + t.commitFunction
              + "') AND pg_function_is_visible(p.oid) LOOP EXECUTE 'DROP FUNCTION ' || f;"
              + " END LOOP; END $$");
    }
    for (String drop : drops) {
      try (Connection c = dataSource.getConnection();
          Statement st = c.createStatement()) {
        st.execute(drop);
      } catch (SQLException e) {
        // best effort
      }
    }
  }

  @Override
  public void close() {
    dropTables();
    extraPools.forEach(HikariDataSource::close);
    dataSource.close();
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT) + " " + prefix;
  }
}
