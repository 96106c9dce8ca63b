package dev.quota4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler on a real JDK HTTP server, asked by the JDK's HTTP client. */
class DashboardHandlerTest {
  private final Workload w = new Workload().run();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/quota", new DashboardHandler(UsageDashboard.builder(w.quotas).build()));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** A response, read with the JDK's own client. */
  record Response(int statusCode, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> name.equalsIgnoreCase(e.getKey()))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no header " + name + " in " + headers));
    }
  }

  private Response send(String method, String query) throws IOException {
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/quota" + query);
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    try {
      c.setRequestMethod(method);
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Response(status, c.getHeaderFields(), body);
    } finally {
      c.disconnect();
    }
  }

  @Test
  void servesTheRangeItIsAskedFor() throws Exception {
    Response r = send("GET", "?from=" + Workload.FROM + "&to=" + Workload.TO);
    assertEquals(200, r.statusCode());
    assertEquals("text/html; charset=utf-8", r.header("Content-Type"));
    assertEquals(DashboardHandler.CONTENT_SECURITY_POLICY, r.header("Content-Security-Policy"));
    assertEquals("no-store", r.header("Cache-Control"));
    Expected.check(ChartPoints.read(r.body()));
  }

  @Test
  void byDefaultTheLast24HoursUpToTheEndOfTheCurrentHour() throws Exception {
    // the clock is at 23:00 of the day: the range is the whole day
    Expected.check(ChartPoints.read(send("GET", "").body()));
    assertEquals(
        24, ChartPoints.read(send("GET", "?hours=24").body()).get("hourly-load").points().size());
    assertEquals(
        3, ChartPoints.read(send("GET", "?hours=3").body()).get("hourly-load").points().size());
  }

  @Test
  void headAnswersWithoutABody() throws Exception {
    Response r = send("HEAD", "");
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
  }

  @Test
  void badParametersAreA400NamingThem() throws Exception {
    assertBad("?from=yesterday&to=" + Workload.TO, "from must be an ISO instant", "'yesterday'");
    assertBad("?from=" + Workload.TO + "&to=" + Workload.FROM, "to must be after from");
    assertBad("?from=" + Workload.FROM, "give both from and to, or hours");
    assertBad("?hours=0", "hours must be 1 to 744, got '0'");
    assertBad("?hours=many", "hours must be 1 to 744, got 'many'");
    assertBad("?days=3", "unknown parameter 'days'");
    assertBad("?hours=1&hours=2", "hours is given twice");
    assertBad("?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "is longer than 744 hours");
  }

  @Test
  void otherMethodsAreA405() throws Exception {
    Response r = send("POST", "");
    assertEquals(405, r.statusCode());
    assertEquals("GET, HEAD", r.header("Allow"));
  }

  private void assertBad(String query, String... parts) throws Exception {
    Response r = send("GET", query);
    assertEquals(400, r.statusCode(), query);
    for (String part : parts) {
      assertTrue(r.body().contains(part), query + ": " + r.body());
    }
  }
}
