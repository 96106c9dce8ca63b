package dev.quota4j.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Counts what a library sends through a data source: statements executed (each statement of a batch
 * counts), commits, rollbacks and statements run in autocommit mode (each a transaction the
 * database commits by itself, as quota4j's reserve and commit on PostgreSQL). The same wrapper sits
 * in front of quota4j's store and of Bucket4j's proxy manager.
 */
final class CountingDataSource implements DataSource {
  private static final Set<String> EXECUTE =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");

  private final DataSource target;
  final LongAdder statements = new LongAdder();
  final LongAdder commits = new LongAdder();
  final LongAdder rollbacks = new LongAdder();
  final LongAdder autocommits = new LongAdder();

  CountingDataSource(DataSource target) {
    this.target = target;
  }

  void reset() {
    statements.reset();
    commits.reset();
    rollbacks.reset();
    autocommits.reset();
  }

  /** Transactions ended: commits, rollbacks and statements in autocommit mode. */
  long transactions() {
    return commits.sum() + rollbacks.sum() + autocommits.sum();
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(target.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return wrap(target.getConnection(user, password));
  }

  private Connection wrap(Connection real) {
    InvocationHandler h =
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.equals("commit")) {
            commits.increment();
          } else if (name.equals("rollback") && (args == null || args.length == 0)) {
            rollbacks.increment();
          }
          Object result = invoke(method, real, args);
          if (result instanceof Statement st
              && (name.equals("prepareStatement")
                  || name.equals("createStatement")
                  || name.equals("prepareCall"))) {
            return wrapStatement(st, method.getReturnType(), real);
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private Object wrapStatement(Statement st, Class<?> type, Connection real) {
    InvocationHandler h =
        (proxy, method, args) -> {
          String name = method.getName();
          if ((EXECUTE.contains(name) || name.equals("executeBatch")) && real.getAutoCommit()) {
            autocommits.increment();
          }
          if (EXECUTE.contains(name)) {
            statements.increment();
          } else if (name.equals("executeBatch")) {
            Object r = invoke(method, st, args);
            statements.add(((int[]) r).length);
            return r;
          }
          return invoke(method, st, args);
        };
    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h);
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return target.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    target.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    target.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return target.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return target.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return target.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return target.isWrapperFor(iface);
  }
}
