package dev.quota4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quota4j.dashboard.ChartPoints.Chart;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The charts' points that {@link Workload}'s day must give, derived from its construction. */
final class Expected {
  private Expected() {}

  static final List<String> CHARTS =
      List.of(
          "hourly-load",
          "users",
          "denials",
          "agents",
          "tools",
          "cost-by-model",
          "cost-by-provider",
          "trend",
          "provider-keys");

  static void check(Map<String, Chart> charts) {
    assertEquals(CHARTS, List.copyOf(charts.keySet()), "the charts, in order");
    charts
        .values()
        .forEach(c -> assertEquals(c.announced(), c.points().size(), c.name() + " announced"));

    Chart hourly = charts.get("hourly-load");
    assertEquals(24, hourly.points().size());
    assertEquals("2026-11-24T00:00:00Z", hourly.keys().get(0));
    assertEquals("2026-11-24T23:00:00Z", hourly.keys().get(23));
    List<String> load = new ArrayList<>(Collections.nCopies(24, "0"));
    load.set(0, "900");
    load.set(1, "1900");
    assertEquals(load, hourly.values(), "tokens per hour");

    Chart users = charts.get("users");
    assertEquals(List.of("u-3", "u-1", "u-2"), users.keys(), "top users, most tokens first");
    assertEquals(List.of("1200", "900", "700"), users.values(), "their busiest day");
    assertEquals("CRITICAL", users.point("u-1").get("level"), "900 of 1,000");
    assertEquals("1000", users.point("u-1").get("limit"));
    assertEquals("free", users.point("u-1").get("plan"));
    assertEquals("OK", users.point("u-3").get("level"));
    assertEquals("10000", users.point("u-3").get("limit"));

    Chart denials = charts.get("denials");
    assertEquals(
        List.of(
            "FEATURE_NOT_IN_PLAN", "DAILY_TOKEN_QUOTA_EXCEEDED", "SYSTEM_HOURLY_LIMIT_EXCEEDED"),
        denials.keys());
    assertEquals(List.of("2", "1", "1"), denials.values());

    Chart agents = charts.get("agents");
    assertEquals(List.of("search", "mail", "docs"), agents.keys());
    assertEquals(List.of("1200", "900", "700"), agents.values());
    assertEquals(
        0, new BigDecimal("20").compareTo(new BigDecimal(agents.point("docs").get("error-rate"))));
    assertEquals(
        0, BigDecimal.ZERO.compareTo(new BigDecimal(agents.point("mail").get("error-rate"))));
    assertEquals("5", agents.point("docs").get("calls"));

    Chart tools = charts.get("tools");
    assertEquals(List.of("search.web", "mail.send", "docs.summarise"), tools.keys());
    assertEquals(List.of("1200", "900", "700"), tools.values());

    Chart models = charts.get("cost-by-model");
    assertEquals(List.of("openai/gpt-4o-mini", "anthropic/claude-3-haiku"), models.keys());
    assertMoney("2.80", models.values().get(0)); // 14 calls at $0.20
    assertMoney("0.45", models.values().get(1)); // 4 at $0.10 and a failed one billed $0.05

    Chart providers = charts.get("cost-by-provider");
    assertEquals(List.of("openai", "anthropic"), providers.keys());
    assertMoney("2.80", providers.values().get(0));
    assertMoney("0.45", providers.values().get(1));

    Chart trend = charts.get("trend");
    assertEquals(30, trend.points().size());
    assertEquals("2026-10-26", trend.keys().get(0));
    assertEquals("2026-11-24", trend.keys().get(29));
    List<String> days = new ArrayList<>(Collections.nCopies(30, "0"));
    days.set(29, "2800");
    assertEquals(days, trend.values());

    Chart keys = charts.get("provider-keys");
    assertEquals(List.of("anthropic_1", "openai_1", "openai_2"), keys.keys());
    assertMoney("50", keys.values().get(0));
    assertMoney("40", keys.values().get(1));
    assertMoney("20", keys.values().get(2));
    assertEquals("AVAILABLE", keys.point("openai_1").get("state"));
    assertEquals("WARNING", keys.point("openai_2").get("state"));
  }

  private static void assertMoney(String expected, String actual) {
    assertEquals(
        0, new BigDecimal(expected).compareTo(new BigDecimal(actual)), expected + " vs " + actual);
  }
}
