package dev.quota4j.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Wraps a data source to count what reaches the database: statements executed (a batch counts each
 * of its statements), commits, statements run in autocommit mode (each its own transaction),
 * rollbacks and connections borrowed. It can also break the connection at the n-th statement or
 * commit, as a database that goes away would.
 */
final class CountingDataSource implements DataSource {
  private static final Set<String> EXECUTE =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");

  private final DataSource target;
  final AtomicInteger statements = new AtomicInteger();
  final AtomicInteger commits = new AtomicInteger();
  final AtomicInteger rollbacks = new AtomicInteger();

  /**
   * Statements executed in autocommit mode: each is a transaction of its own, committed by the
   * database with no {@code commit()} call.
   */
  final AtomicInteger autocommits = new AtomicInteger();

  final AtomicInteger connections = new AtomicInteger();

  /** Counts statements and commits together; at this step the connection breaks. 0 = never. */
  final AtomicInteger failAtStep = new AtomicInteger();

  private final AtomicInteger steps = new AtomicInteger();

  CountingDataSource(DataSource target) {
    this.target = target;
  }

  void reset() {
    statements.set(0);
    commits.set(0);
    rollbacks.set(0);
    autocommits.set(0);
    connections.set(0);
    steps.set(0);
  }

  private void step(Connection real) throws SQLException {
    int n = steps.incrementAndGet();
    if (n == failAtStep.get()) {
      real.close(); // the server's side rolls back whatever was open
      throw new SQLNonTransientConnectionException("injected: connection lost", "08006");
    }
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
    connections.incrementAndGet();
    InvocationHandler h =
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.equals("commit")) {
            step(real);
            commits.incrementAndGet();
          } else if (name.equals("rollback") && (args == null || args.length == 0)) {
            rollbacks.incrementAndGet();
          }
          Object result = invoke(method, real, args);
          if (result instanceof Statement st
              && (name.equals("prepareStatement") || name.equals("createStatement"))) {
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
          if (EXECUTE.contains(name)) {
            step(real);
            statements.incrementAndGet();
            if (real.getAutoCommit()) {
              autocommits.incrementAndGet();
            }
          } else if (name.equals("executeBatch")) {
            step(real);
            if (real.getAutoCommit()) {
              autocommits.incrementAndGet();
            }
            Object r = invoke(method, st, args);
            statements.addAndGet(((int[]) r).length);
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
