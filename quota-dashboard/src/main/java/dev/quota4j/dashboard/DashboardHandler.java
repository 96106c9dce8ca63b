package dev.quota4j.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Serves a {@link UsageDashboard} from the JDK's HTTP server ({@code com.sun.net.httpserver}).
 *
 * <pre>{@code
 * HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8080), 0);
 * server.createContext("/quota", new DashboardHandler(dashboard));
 * server.start();
 * }</pre>
 *
 * <p>{@code GET} (or {@code HEAD}) answers the page for the range its query names: {@code from} and
 * {@code to} as ISO instants ({@code 2026-11-24T06:00:00Z}), or {@code hours}, the hours up to the
 * end of the current hour (default 24, at most {@value #MAX_HOURS}). A bad parameter is a {@code
 * 400} whose text names it and its value; another method a {@code 405}. The page is never cached,
 * and its Content-Security-Policy forbids loading anything. The handler adds no authentication:
 * mount it where only operators reach it.
 */
public final class DashboardHandler implements HttpHandler {
  /** The most hours a {@code hours} parameter asks for: 31 days. */
  public static final int MAX_HOURS = 31 * 24;

  /** Inline style and script only; nothing is loaded, from anywhere. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

  private final UsageDashboard dashboard;

  /** A handler that serves {@code dashboard}. */
  public DashboardHandler(UsageDashboard dashboard) {
    if (dashboard == null) {
      throw new IllegalArgumentException("dashboard must not be null");
    }
    this.dashboard = dashboard;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      boolean head = "HEAD".equals(method);
      if (!head && !"GET".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain", "method " + method + " not allowed: GET or HEAD", false);
        return;
      }
      String page;
      try {
        Instant[] range = range(exchange.getRequestURI().getRawQuery());
        page = dashboard.html(range[0], range[1]);
      } catch (IllegalArgumentException e) {
        send(exchange, 400, "text/plain", String.valueOf(e.getMessage()), head);
        return;
      }
      exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      send(exchange, 200, "text/html", page, head);
    }
  }

  /** The range a query names; see the class comment. */
  Instant[] range(@Nullable String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&", -1)) {
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (params.put(name, value) != null) {
          throw new IllegalArgumentException(name + " is given twice");
        }
      }
    }
    for (String name : params.keySet()) {
      if (!name.equals("from") && !name.equals("to") && !name.equals("hours")) {
        throw new IllegalArgumentException(
            "unknown parameter " + quoted(name) + ": from, to or hours");
      }
    }
    String from = params.get("from");
    String to = params.get("to");
    String hours = params.get("hours");
    if (from != null || to != null) {
      if (from == null || to == null || hours != null) {
        throw new IllegalArgumentException("give both from and to, or hours, got " + params);
      }
      Instant f = instant("from", from);
      Instant t = instant("to", to);
      if (!t.isAfter(f)) {
        throw new IllegalArgumentException("to must be after from (" + from + "), got " + to);
      }
      if (Duration.between(f, t).toHours() > MAX_HOURS) {
        throw new IllegalArgumentException(
            "from " + from + " to " + to + " is longer than " + MAX_HOURS + " hours");
      }
      return new Instant[] {f, t};
    }
    int h = 24;
    if (hours != null) {
      try {
        h = Integer.parseInt(hours);
      } catch (NumberFormatException e) {
        h = -1;
      }
      if (h < 1 || h > MAX_HOURS) {
        throw new IllegalArgumentException(
            "hours must be 1 to " + MAX_HOURS + ", got " + quoted(hours));
      }
    }
    Instant end = UsageDashboard.endOfHour(dashboard.manager().clock().instant());
    return new Instant[] {end.minus(Duration.ofHours(h)), end};
  }

  private static Instant instant(String name, String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          name + " must be an ISO instant such as 2026-11-24T06:00:00Z, got " + quoted(value), e);
    }
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad query encoding: " + quoted(s), e);
    }
  }

  private static String quoted(String s) {
    return "'" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "'";
  }

  private static void send(
      HttpExchange exchange, int status, String type, String body, boolean head)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
