package dev.quota4j.examples;

import com.sun.net.httpserver.HttpServer;
import dev.quota4j.QuotaManager;
import dev.quota4j.dashboard.DashboardHandler;
import dev.quota4j.dashboard.UsageDashboard;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;

/** The README's dashboard block: write the page to a file, and serve it from the JDK's server. */
public final class DashboardSnippet {
  private DashboardSnippet() {}

  /**
   * Writes the page of {@code from} to {@code to} to {@code file} and serves it on {@code port}.
   */
  public static HttpServer dashboard(
      QuotaManager quotas, Instant from, Instant to, Path file, int port) throws IOException {
    // README-START dashboard
    UsageDashboard dashboard = UsageDashboard.builder(quotas).title("Acme assistant").build();
    dashboard.write(file, from, to); // one self-contained HTML page: inline SVG, loads nothing

    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext("/quota/dashboard", new DashboardHandler(dashboard));
    server.start(); // GET /quota/dashboard?hours=24, or ?from=...&to=... (ISO instants)
    // README-END
    return server;
  }
}
