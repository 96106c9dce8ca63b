package dev.quota4j.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of a database server, on a port of its own. {@link #cut()} is
 * the database going away: every live connection is closed and the port stops listening, so new
 * connections are refused. {@link #restore()} listens again on the same port. {@link #close()} cuts
 * for good.
 */
final class TcpProxy implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private ServerSocket server;
  private boolean up;

  /** A proxy on {@code port}, or on an ephemeral port when it is 0; listening. */
  TcpProxy(String targetHost, int targetPort, int port) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = listen(port);
    this.port = server.getLocalPort();
    this.up = true;
    startAccepting(server);
  }

  /** A proxy on an ephemeral port in front of the host and port of a JDBC URL. */
  static TcpProxy inFrontOf(String jdbcUrl) throws IOException {
    java.util.regex.Matcher m = ServerFailureTestBase.HOST_PORT.matcher(jdbcUrl);
    if (!m.find()) {
      throw new IllegalArgumentException("no host:port in " + jdbcUrl);
    }
    return new TcpProxy(m.group(1), Integer.parseInt(m.group(2)), 0);
  }

  /** {@code jdbcUrl} with its host and port replaced by this proxy's. */
  String rewrite(String jdbcUrl) {
    java.util.regex.Matcher m = ServerFailureTestBase.HOST_PORT.matcher(jdbcUrl);
    if (!m.find()) {
      throw new IllegalArgumentException("no host:port in " + jdbcUrl);
    }
    return m.replaceFirst("//127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  /** How many client and server sockets are open now. */
  int liveSockets() {
    return sockets.size();
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void startAccepting(ServerSocket listening) {
    Thread accept = new Thread(() -> acceptLoop(listening), "proxy-accept-" + port);
    accept.setDaemon(true);
    accept.start();
  }

  private void acceptLoop(ServerSocket listening) {
    while (!listening.isClosed()) {
      Socket client;
      try {
        client = listening.accept();
      } catch (IOException e) {
        return; // cut or closed
      }
      sockets.add(client);
      Socket upstream;
      try {
        upstream = new Socket(targetHost, targetPort);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      sockets.add(upstream);
      synchronized (this) {
        if (!up) { // cut while this connection was being opened
          closeQuietly(client);
          closeQuietly(upstream);
          continue;
        }
      }
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump-" + port);
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
    sockets.remove(s);
  }

  /** The database goes away: live connections are closed, new ones refused. Idempotent. */
  synchronized void cut() throws IOException {
    up = false;
    server.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  /** The database is back, on the same port. Idempotent. */
  synchronized void restore() throws IOException {
    if (up) {
      return;
    }
    server = listen(port);
    up = true;
    startAccepting(server);
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
