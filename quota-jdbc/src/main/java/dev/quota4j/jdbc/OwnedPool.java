package dev.quota4j.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The HikariCP pool a store builds from a URL, and owns. The only class that touches HikariCP, so
 * that a host giving its own data source does not need it at run time.
 */
final class OwnedPool {
  private OwnedPool() {}

  static DataSource create(
      String url,
      @Nullable String user,
      @Nullable String password,
      int maxPoolSize,
      Duration connectionTimeout,
      Duration socketTimeout,
      boolean connectNow) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("quota4j");
    config.setJdbcUrl(url);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(maxPoolSize);
    config.setMinimumIdle(Math.min(2, maxPoolSize));
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 5_000));
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setAutoCommit(true);
    driverTimeouts(url, connectionTimeout, socketTimeout).forEach(config::addDataSourceProperty);
    // fail at build time, with the driver's reason, when the database cannot be reached; or, when
    // the build needs no connection, start empty and connect on first use
    config.setInitializationFailTimeout(connectNow ? connectionTimeout.toMillis() : -1);
    try {
      return new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String reason =
          cause instanceof SQLException s
              ? Failures.describe(s)
              : String.valueOf(cause.getMessage());
      throw new QuotaStoreUnavailableException(
          "cannot connect to "
              + JdbcQuotaStore.redact(url)
              + (user == null ? "" : " as " + user)
              + ": "
              + reason,
          cause);
    } catch (RuntimeException e) {
      // a missing driver or a bad URL: a configuration error
      throw new IllegalArgumentException(
          "url " + JdbcQuotaStore.redact(url) + " cannot be used: " + e.getMessage(), e);
    }
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
