package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo: a day on an H2 file, a report, and a clean start on every run. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void aDayOfTrafficEndsInAReportAndARerunStartsClean() {
    Output<Demo.Summary> first = Output.of(out -> Demo.run(dir, out));
    assertTrue(Files.exists(dir.resolve(Demo.DATABASE + ".mv.db")), "an H2 file database");
    String text = first.text;
    assertTrue(text.startsWith("quota4j demo: one day of LLM traffic"), text);
    assertTrue(text.contains("(new)"), text);
    for (String section :
        List.of(
            "-- per user:",
            "-- top agents",
            "-- top tools",
            "-- denials by code",
            "-- system hourly load",
            "  2026-11-25T00:00 ")) {
      assertTrue(text.contains(section), section + " in\n" + text);
    }
    Demo.Summary s = first.result;
    assertTrue(s.workflows() > 100, s.toString());
    assertTrue(s.calls() > 300, s.toString());
    for (String code :
        List.of(
            "DAILY_TOKEN_QUOTA_EXCEEDED",
            "SYSTEM_HOURLY_LIMIT_EXCEEDED",
            "FEATURE_NOT_IN_PLAN",
            "REQUEST_TOKEN_LIMIT_EXCEEDED")) {
      assertTrue(s.denialsByCode().getOrDefault(code, 0L) > 0, code + " in " + s);
    }
    assertEquals(s.denied(), s.denialsByCode().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(36, text.lines().filter(l -> l.matches("u-\\d\\d +(free|pro|team) .*")).count());

    Output<Demo.Summary> again = Output.of(out -> Demo.run(dir, out));
    assertTrue(again.text.contains("the previous run's file was removed"), again.text);
    assertEquals(s, again.result, "a clean start gives the same day");
  }
}
