package dev.quota4j.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import com.zaxxer.hikari.util.DriverDataSource;
import dev.quota4j.QuotaStoreUnavailableException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The HikariCP pool a store builds from a URL, and owns. The only class that touches HikariCP, so
 * that a host giving its own data source does not need it at run time.
 *
 * <p><b>Reconnecting.</b> HikariCP opens connections on one thread of its own, which sleeps after
 * each failed attempt, doubling the sleep from 10 ms up to 5 seconds ({@code
 * HikariPool.PoolEntryCreator}; not configurable). After an outage of more than a few seconds the
 * pool therefore stayed empty for up to 5 seconds after the database accepted connections again,
 * and every caller waited for it. The pool here gets its connections from a {@link Connector},
 * which, once the pool has started, does not return a failure to HikariCP when the database cannot
 * be reached: it tries again itself, at most {@value #MAX_RETRY_PAUSE_MILLIS} ms apart, until a
 * connection opens or the pool closes. HikariCP's sleep never starts, and the pool has a connection
 * for a waiting caller within about {@value #MAX_RETRY_PAUSE_MILLIS} ms plus one connection set-up
 * of the database accepting connections. A failure that is not about reaching the database (a wrong
 * password, a database that does not exist) is returned to HikariCP as before, whose backoff then
 * spaces out the attempts.
 */
final class OwnedPool {
  private OwnedPool() {}

  /** The longest pause between two connection attempts while the database cannot be reached. */
  static final long MAX_RETRY_PAUSE_MILLIS = 100;

  static DataSource create(
      String url,
      @Nullable String user,
      @Nullable String password,
      int maxPoolSize,
      Duration connectionTimeout,
      Duration socketTimeout,
      Duration statementTimeout,
      boolean connectNow) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("quota4j");
    config.setMaximumPoolSize(maxPoolSize);
    config.setMinimumIdle(Math.min(2, maxPoolSize));
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 5_000));
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setAutoCommit(true);
    // fail at build time, with the driver's reason, when the database cannot be reached; or, when
    // the build needs no connection, start empty and connect on first use
    config.setInitializationFailTimeout(connectNow ? connectionTimeout.toMillis() : -1);
    try {
      Properties properties = new Properties();
      driverTimeouts(url, connectionTimeout, socketTimeout).forEach(properties::setProperty);
      // what HikariCP builds from a jdbcUrl, user, password and data source properties
      Connector connector =
          new Connector(
              new DriverDataSource(url, null, properties, user, password),
              setsStatementTimeout(url) ? Duration.ZERO : statementTimeout);
      config.setDataSource(connector);
      return new Pool(config, connector);
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String reason =
          cause instanceof SQLException s
              ? Failures.describe(s)
              : String.valueOf(cause.getMessage());
      throw new QuotaStoreUnavailableException(
          "cannot connect to "
              + StoreOpener.redact(url)
              + (user == null ? "" : " as " + user)
              + ": "
              + reason,
          cause);
    } catch (RuntimeException e) {
      // a missing driver or a bad URL: a configuration error
      throw new IllegalArgumentException(
          "url " + StoreOpener.redact(url) + " cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * The pool: a {@link HikariDataSource} whose {@link Connector} waits for the database once the
   * pool has started, and stops waiting when the pool closes.
   */
  static final class Pool extends HikariDataSource {
    private final Connector connector;

    Pool(HikariConfig config, Connector connector) {
      super(config);
      this.connector = connector;
      connector.started = true; // from now on, HikariCP's own sleep never starts
    }

    /**
     * A connection of the pool; when none could be had in time, the exception also carries the last
     * reason the database could not be reached (HikariCP does not see those while the {@link
     * Connector} tries again).
     */
    @Override
    public Connection getConnection() throws SQLException {
      try {
        return super.getConnection();
      } catch (SQLException e) {
        SQLException last = connector.lastFailure;
        if (last != null && last != e && last != e.getCause()) {
          e.addSuppressed(last);
        }
        throw e;
      }
    }

    @Override
    public void close() {
      connector.closed = true;
      super.close();
    }
  }

  /**
   * Opens the pool's physical connections. Before the pool has started (HikariCP's check at build
   * time) a failure is returned at once; afterwards, a failure to reach the database ({@link
   * Failures#isConnectionFailure}, or PostgreSQL still starting up) is retried here, 10 ms after
   * the first attempt and then at most {@value #MAX_RETRY_PAUSE_MILLIS} ms apart, until a
   * connection opens, the pool closes or the thread is interrupted. Only HikariCP's one
   * connection-opening thread calls it then, so the loop holds no caller: callers wait for the
   * pool, at most the connection timeout, as before.
   *
   * <p>Each connection gets the {@linkplain #statementTimeoutSql server-side statement timeout}
   * before the pool sees it.
   */
  static final class Connector implements DataSource {
    private final DataSource driver;
    private final Duration statementTimeout;
    volatile boolean started;
    volatile boolean closed;
    volatile @Nullable SQLException lastFailure;

    Connector(DataSource driver, Duration statementTimeout) {
      this.driver = driver;
      this.statementTimeout = statementTimeout;
    }

    @Override
    public Connection getConnection() throws SQLException {
      long pause = 10;
      while (true) {
        try {
          Connection c = setUp(driver.getConnection());
          lastFailure = null;
          return c;
        } catch (SQLException e) {
          lastFailure = e;
          if (!started || closed || !isUnreachable(e)) {
            throw e;
          }
          try {
            TimeUnit.MILLISECONDS.sleep(pause);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw e;
          }
          pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MILLIS);
        }
      }
    }

    /** Sets the statement timeout on a new connection; closes it when that fails. */
    private Connection setUp(Connection c) throws SQLException {
      if (statementTimeout.isZero()) {
        return c;
      }
      try {
        String set = statementTimeoutSql(c.getMetaData(), statementTimeout);
        if (set != null) {
          try (Statement st = c.createStatement()) {
            st.execute(set);
          }
        }
        return c;
      } catch (SQLException | RuntimeException e) {
        try {
          c.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }

    /** The database could not be reached, or is starting up: worth trying again soon. */
    static boolean isUnreachable(SQLException e) {
      return Failures.isConnectionFailure(e) || "57P03".equals(e.getSQLState());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return setUp(driver.getConnection(username, password));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return driver.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      driver.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      driver.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return driver.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return driver.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      if (iface.isInstance(this)) {
        return iface.cast(this);
      }
      return driver.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return iface.isInstance(this) || driver.isWrapperFor(iface);
    }
  }

  /**
   * The statement that sets the session's server-side statement timeout, by the server the
   * connection reaches (its product name and version come with the connection, without a round
   * trip): {@code SET statement_timeout} in milliseconds on PostgreSQL, {@code SET SESSION
   * max_statement_time} in seconds (to the millisecond) on MariaDB, {@code SET SESSION
   * max_execution_time} in milliseconds on MySQL (which applies it to {@code SELECT} only); none on
   * other databases (H2).
   */
  static @Nullable String statementTimeoutSql(DatabaseMetaData meta, Duration timeout)
      throws SQLException {
    String product = String.valueOf(meta.getDatabaseProductName()).toLowerCase(Locale.ROOT);
    String version = String.valueOf(meta.getDatabaseProductVersion()).toLowerCase(Locale.ROOT);
    long ms = timeout.toMillis();
    if (product.contains("postgresql")) {
      return "SET statement_timeout = " + ms;
    }
    if (product.contains("mariadb") || version.contains("mariadb")) {
      return String.format(
          Locale.ROOT, "SET SESSION max_statement_time = %d.%03d", ms / 1000, ms % 1000);
    }
    if (product.contains("mysql")) {
      return "SET SESSION max_execution_time = " + ms;
    }
    return null;
  }

  /** The URL sets a server-side statement timeout itself, which then wins. */
  static boolean setsStatementTimeout(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    return lower.contains("statement_timeout")
        || lower.contains("max_statement_time")
        || lower.contains("max_execution_time");
  }

  /**
   * The driver properties that bound a connection attempt and a statement, for the drivers that
   * know them, leaving out any the URL sets itself. Without them a network that drops packets would
   * hold a statement, or the pool's one connection-opening thread, until TCP gives up.
   *
   * <ul>
   *   <li>PostgreSQL: {@code connectTimeout} and {@code loginTimeout} (the connection timeout) and
   *       {@code socketTimeout}, in whole seconds, rounded up.
   *   <li>MariaDB, MySQL: {@code connectTimeout} and {@code socketTimeout}, in milliseconds.
   *   <li>Other drivers (H2): none; H2 refuses settings it does not know.
   * </ul>
   */
  static Map<String, String> driverTimeouts(String url, Duration connect, Duration socket) {
    String lower = url.toLowerCase(Locale.ROOT);
    Map<String, String> out = new LinkedHashMap<>();
    if (lower.startsWith("jdbc:postgresql:")) {
      putUnlessInUrl(out, lower, "connectTimeout", seconds(connect));
      putUnlessInUrl(out, lower, "loginTimeout", seconds(connect));
      if (!socket.isZero()) {
        putUnlessInUrl(out, lower, "socketTimeout", seconds(socket));
      }
    } else if (lower.startsWith("jdbc:mariadb:") || lower.startsWith("jdbc:mysql:")) {
      putUnlessInUrl(out, lower, "connectTimeout", Long.toString(connect.toMillis()));
      if (!socket.isZero()) {
        putUnlessInUrl(out, lower, "socketTimeout", Long.toString(socket.toMillis()));
      }
    }
    return out;
  }

  private static void putUnlessInUrl(
      Map<String, String> out, String lowerUrl, String key, String v) {
    String k = key.toLowerCase(Locale.ROOT) + "=";
    if (!lowerUrl.contains("?" + k) && !lowerUrl.contains("&" + k) && !lowerUrl.contains(";" + k)) {
      out.put(key, v);
    }
  }

  private static String seconds(Duration d) {
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }
}
