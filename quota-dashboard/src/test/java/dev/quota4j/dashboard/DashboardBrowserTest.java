package dev.quota4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless Chromium, served by {@link DashboardHandler} from the JDK's HTTP
 * server: it loads with no console message at all (no error, no blocked fetch), every chart has the
 * points of a known day as the browser built them, and a screenshot is written under {@code
 * target/}. Runs when {@code QUOTA4J_TEST_BROWSER} is set; see {@link Chromium}.
 */
class DashboardBrowserTest {
  static final Path SCREENSHOT = Path.of("target", "dashboard-browser-test.png");

  @TempDir Path work;

  @Test
  void theServedPageLoadsCleanAndDrawsEveryPoint() throws Exception {
    Chromium chromium = Chromium.require(work);
    Workload w = new Workload().run();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/quota", new DashboardHandler(UsageDashboard.builder(w.quotas).build()));
    server.start();
    try {
      String url =
          "http://127.0.0.1:"
              + server.getAddress().getPort()
              + "/quota?from="
              + Workload.FROM
              + "&to="
              + Workload.TO;
      Chromium.Run dom = chromium.dumpDom(url);
      assertEquals(List.of(), dom.console(), "console messages");
      assertTrue(
          dom.stdout().contains("data-charts-checked=\"" + Expected.CHARTS.size() + "\""),
          "the page's script ran and counted every chart");
      Expected.check(ChartPoints.read(dom.stdout()));

      Chromium.Run shot = chromium.screenshot(url, SCREENSHOT, 1280, 1400);
      assertEquals(List.of(), shot.console(), "console messages while taking the screenshot");
      byte[] png = Files.readAllBytes(SCREENSHOT);
      assertEquals("\u0089PNG", new String(png, 0, 4, StandardCharsets.ISO_8859_1));
    } finally {
      server.stop(0);
    }
  }

  /** The console check can fail: an error, an uncaught exception and a blocked fetch are caught. */
  @Test
  void consoleErrorsAndBlockedFetchesAreSeen() throws IOException, InterruptedException {
    Chromium chromium = Chromium.require(work);
    Path page = work.resolve("bad.html");
    Files.writeString(
        page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\""
            + DashboardHandler.CONTENT_SECURITY_POLICY
            + "\"></head><body><img src=\"https://example.com/x.png\">"
            + "<script>console.error('boom'); missing();</script></body></html>",
        StandardCharsets.UTF_8);
    List<String> console = chromium.dumpDom(page.toUri().toString()).console();
    String all = String.join("\n", console);
    assertTrue(all.contains("boom"), all);
    assertTrue(all.contains("missing is not defined"), all);
    assertTrue(all.contains("Content Security Policy"), all);
  }
}
