package dev.quota4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.dashboard.ChartPoints.Chart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page as written: every chart's points follow from a known day; nothing is loaded. */
class UsageDashboardTest {
  @TempDir Path dir;

  @Test
  void everyChartHasThePointsOfAKnownDay() {
    Workload w = new Workload().run();
    String html = UsageDashboard.builder(w.quotas).build().html(Workload.FROM, Workload.TO);
    Expected.check(ChartPoints.read(html));
    assertTrue(
        html.contains("<span class=\"n\">19</span><span class=\"what\">calls</span>"), "19 calls");
    assertTrue(
        html.contains("<span class=\"n\">$3.25</span><span class=\"what\">cost</span>"), "$3.25");
    assertTrue(
        html.contains("<span class=\"n\">4</span><span class=\"what\">denials</span>"),
        "4 denials");
    assertTrue(html.contains("900 / 1,000 CRITICAL"), "a user's peak with its level");
  }

  @Test
  void thePageLoadsNothing() {
    Workload w = new Workload().run();
    String html = UsageDashboard.builder(w.quotas).build().html(Workload.FROM, Workload.TO);
    // no URL a browser would fetch: no src or href attributes, no url(...) or @import in the style
    assertFalse(Pattern.compile("\\s(src|href)=").matcher(html).find(), "a src or href");
    assertFalse(html.contains("url("), "a url() in the style");
    assertFalse(html.contains("@import"), "an @import");
    assertTrue(html.contains("content=\"" + DashboardHandler.CONTENT_SECURITY_POLICY + "\""));
    assertTrue(DashboardHandler.CONTENT_SECURITY_POLICY.startsWith("default-src 'none'"));
  }

  @Test
  void anEmptyStoreGivesEmptyChartsNotErrors() {
    Workload w = new Workload(); // nothing run
    Map<String, Chart> charts =
        ChartPoints.read(UsageDashboard.builder(w.quotas).build().html(Workload.FROM, Workload.TO));
    assertEquals(Expected.CHARTS, List.copyOf(charts.keySet()));
    assertEquals(24, charts.get("hourly-load").points().size());
    assertEquals(30, charts.get("trend").points().size());
    for (String name : List.of("users", "denials", "agents", "tools", "cost-by-model")) {
      assertEquals(0, charts.get(name).points().size(), name);
    }
  }

  @Test
  void topLimitsTheLists() {
    Workload w = new Workload().run();
    Map<String, Chart> charts =
        ChartPoints.read(
            UsageDashboard.builder(w.quotas).top(2).build().html(Workload.FROM, Workload.TO));
    assertEquals(List.of("u-3", "u-1"), charts.get("users").keys());
    assertEquals(List.of("search", "mail"), charts.get("agents").keys());
    assertEquals(List.of("search.web", "mail.send"), charts.get("tools").keys());
  }

  @Test
  void configuredProviderKeysComeFirstEvenWhenUnused() {
    Workload w = new Workload().run();
    Chart keys =
        ChartPoints.read(
                UsageDashboard.builder(w.quotas)
                    .providerKeys(List.of("groq_1", "openai_2"))
                    .build()
                    .html(Workload.FROM, Workload.TO))
            .get("provider-keys");
    assertEquals(List.of("groq_1", "openai_2", "anthropic_1", "openai_1"), keys.keys());
    assertEquals("AVAILABLE", keys.point("groq_1").get("state"));
  }

  @Test
  void textIsEscaped() {
    Workload w = new Workload().run();
    String html =
        UsageDashboard.builder(w.quotas)
            .title("<script>alert(\"x\")</script> & co")
            .build()
            .html(Workload.FROM, Workload.TO);
    assertFalse(html.contains("<script>alert"), "the title as markup");
    assertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
  }

  @Test
  void writesAFile() throws IOException {
    Workload w = new Workload().run();
    Path file = dir.resolve("sub/usage.html");
    Path written = UsageDashboard.builder(w.quotas).build().write(file, Workload.FROM, Workload.TO);
    assertEquals(file, written);
    Expected.check(ChartPoints.read(Files.readString(file, StandardCharsets.UTF_8)));
  }

  @Test
  void badSettingsAndRangesNameTheirValue() {
    Workload w = new Workload();
    UsageDashboard d = UsageDashboard.builder(w.quotas).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> d.html(Workload.TO, Workload.FROM));
    assertTrue(e.getMessage().contains("to must be after from"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> d.html(Workload.FROM, Workload.FROM));
    e = assertThrows(IllegalArgumentException.class, () -> UsageDashboard.builder(w.quotas).top(0));
    assertEquals("top must be 1 to 100, got 0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> UsageDashboard.builder(w.quotas).title(" "));
    assertTrue(e.getMessage().startsWith("title must be"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UsageDashboard.builder(w.quotas).providerKeys(List.of("a", "")));
    assertTrue(e.getMessage().contains("providerKeys"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> d.html(Workload.FROM, Workload.FROM.plus(Duration.ofDays(500))));
  }
}
