package dev.quota4j.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.quota4j.QuotaStoreUnavailableException;
import java.sql.SQLException;
import java.time.Duration;
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
      Duration connectionTimeout) {
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
    // fail at build time, with the driver's reason, when the database cannot be reached
    config.setInitializationFailTimeout(connectionTimeout.toMillis());
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
}
