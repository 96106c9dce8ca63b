package dev.quota4j.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.jdbc.SchemaMode;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * One database for a run: a HikariCP pool, tables under random prefixes (quota4j's schema, and
 * Bucket4j's bucket table), each created on demand and all dropped by {@link #close()}.
 */
final class BenchDatabase implements AutoCloseable {
  final String name;
  final String url;
  final HikariDataSource pool;
  private final boolean postgres;
  private final List<String> quotaPrefixes = new ArrayList<>();
  private final List<String> bucketTables = new ArrayList<>();
  private final List<JdbcQuotaStore> stores = new ArrayList<>();
  private final String runId =
      Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);

  BenchDatabase(String name, String url, int poolSize) {
    this.name = name;
    this.url = url;
    this.postgres = url.startsWith("jdbc:postgresql:");
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setMaximumPoolSize(poolSize);
    c.setMinimumIdle(poolSize);
    c.setPoolName("bench-" + name);
    this.pool = new HikariDataSource(c);
  }

  /** A fresh quota4j store (its own tables) on {@code ds}, which must lead to this pool. */
  JdbcQuotaStore quotaStore(DataSource ds) {
    String prefix = "b7_" + runId + "_" + quotaPrefixes.size() + "_";
    quotaPrefixes.add(prefix);
    JdbcQuotaStore store =
        JdbcQuotaStore.builder()
            .dataSource(ds)
            .tablePrefix(prefix)
            .schemaMode(SchemaMode.INSTALL)
            .build();
    stores.add(store);
    return store;
  }

  /** A fresh Bucket4j select-for-update proxy manager (its own table) on {@code ds}. */
  ProxyManager<String> bucketProxies(DataSource ds, Clock clock) throws SQLException {
    if (!postgres) {
      throw new IllegalStateException("Bucket4j's PostgreSQL proxy manager needs PostgreSQL");
    }
    String table = "b7_" + runId + "_" + bucketTables.size() + "_bucket";
    bucketTables.add(table);
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      // the table of Bucket4j's documentation, with text keys
      st.execute(
          "CREATE TABLE "
              + table
              + " (id VARCHAR(255) PRIMARY KEY, state BYTEA, expires_at BIGINT)");
    }
    return Bucket4jPostgreSQL.selectForUpdateBasedBuilder(ds)
        .primaryKeyMapper(PrimaryKeyMapper.STRING)
        .table(table)
        .clientClock(Bucket4jAdmitter.timeMeter(clock))
        .build();
  }

  String version() throws SQLException {
    try (Connection c = pool.getConnection()) {
      var md = c.getMetaData();
      return md.getDatabaseProductName() + " " + md.getDatabaseProductVersion();
    }
  }

  /** Drops every table this run created, and closes the pool. */
  @Override
  public void close() throws SQLException {
    for (JdbcQuotaStore s : stores) {
      s.close();
    }
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      for (String prefix : quotaPrefixes) {
        for (String t :
            List.of(
                "usage_daily",
                "usage_hourly",
                "usage_events",
                "reservations",
                "counters",
                "subjects",
                "schema_version")) {
          st.execute("DROP TABLE IF EXISTS " + prefix + t);
        }
      }
      if (c.getMetaData().getDatabaseProductName().contains("PostgreSQL")) {
        for (String prefix : quotaPrefixes) { // the admission functions, every signature (V4, V5)
          st.execute(
              "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc"
                  + " p WHERE p.proname IN ('"
                  + prefix
                  + "reserve', '"
                  + prefix
                  + "commit') AND pg_function_is_visible(p.oid) LOOP EXECUTE 'DROP FUNCTION ' ||"
                  + " f; END LOOP; END $$");
        }
      }
      for (String t : bucketTables) {
        st.execute("DROP TABLE IF EXISTS " + t);
      }
    } finally {
      pool.close();
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "%s (%s)", name, url.replaceAll("password=[^&]*", "password=***"));
  }
}
