package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaDenial;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.reports.Csv;
import dev.quota4j.reports.SubjectDay;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo: a day on an H2 file, a report, and a clean start on every run. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void aDayOfTrafficEndsInAReportAndARerunStartsClean() throws Exception {
    Output<Demo.Summary> first = Output.of(out -> Demo.run(dir, out));
    assertTrue(Files.exists(dir.resolve(Demo.DATABASE + ".mv.db")), "an H2 file database");
    String text = first.text;
    assertTrue(text.startsWith("quota4j demo: one day of LLM traffic"), text);
    assertTrue(text.contains("(new)"), text);
    for (String section :
        List.of(
            "  06:00-08:00 ",
            "  04:00-06:00 ",
            "-- per user:",
            "-- top agents",
            "-- top tools",
            "-- denials by code",
            "-- system hourly load",
            "-- by model",
            "-- per user per day as CSV: ",
            "  2026-11-25 00:00 ",
            "-- the usage dashboard: open file:")) {
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

    // every code: its first denial as it happened, its count in the report, and on the dashboard
    String page = Files.readString(dir.resolve(Demo.DASHBOARD), StandardCharsets.UTF_8);
    assertTrue(
        page.contains("data-chart=\"denials\" data-points=\"" + s.denialsByCode().size() + "\""),
        "the dashboard's denials chart has one point per code");
    s.denialsByCode()
        .forEach(
            (code, n) -> {
              assertEquals(
                  1,
                  text.lines()
                      .filter(
                          l -> l.matches(" {4}\\d\\d:\\d\\d u-\\d\\d \\S+ denied " + code + ": .*"))
                      .count(),
                  "the first " + code + " as it happened");
              assertTrue(
                  text.contains(String.format(Locale.ROOT, "  %-38s %6s%n", code, Demo.count(n))),
                  code + " counted in the report");
              assertTrue(
                  page.contains("data-key=\"" + code + "\" data-value=\"" + n + "\""),
                  code + " on the dashboard");
            });
    assertTrue(
        text.contains(String.format(Locale.ROOT, "  %-38s %6s%n", "all", Demo.count(s.denied()))));
    // a busiest day is not always OK: the free users meet their daily limit
    assertTrue(text.lines().anyMatch(l -> l.matches("u-\\d\\d +free .* CRITICAL")), text);
    // money in dollars, whole numbers with separators
    assertTrue(text.lines().anyMatch(l -> l.matches("u-\\d\\d +pro .* \\$0\\.\\d\\d .*")), text);
    assertTrue(text.contains(" 60,000 "), text);

    checkCsvAgainstTheLedger(s);

    // the command itself, in a JVM of its own as ./demo runs it: a clean start, the same day,
    // and quota4j's own log lines
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Demo.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String again = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), again);
    assertTrue(again.contains("the previous run's file was removed"), again);
    assertTrue(
        again.contains(
            String.format(
                Locale.ROOT,
                "Done: %s workflows, %s calls admitted, %s denied, in ",
                Demo.count(s.workflows()),
                Demo.count(s.calls()),
                Demo.count(s.denied()))),
        "a clean start gives the same day:\n" + again);
    assertTrue(again.contains("-- what quota4j logged: "), again);
    assertTrue(again.contains("  INFO dev.quota4j - denied DAILY_TOKEN_QUOTA_EXCEEDED: "), again);
    assertTrue(again.contains(" reached 75% of limit 'daily-tokens'"), again);
    assertTrue(Files.size(dir.resolve(Demo.LOG)) > 0);
    assertEquals(
        text.substring(text.indexOf("== Report"), text.indexOf("-- per user per day as CSV")),
        again.substring(again.indexOf("== Report"), again.indexOf("-- per user per day as CSV")),
        "the same report");
  }

  /**
   * The CSV the demo wrote is the per-user-per-day report, and each of its rows is what the ledger
   * in the H2 file holds for that user and day, summed here event by event.
   */
  private void checkCsvAgainstTheLedger(Demo.Summary s) throws IOException {
    List<List<String>> csv =
        Csv.parse(Files.readString(dir.resolve(Demo.CSV), StandardCharsets.UTF_8));
    assertEquals(SubjectDay.HEADER, csv.get(0));
    Map<List<String>, long[]> ledger = new TreeMap<>(Comparator.comparing(Object::toString));
    try (JdbcQuotaStore store =
        JdbcQuotaStore.builder()
            .url("jdbc:h2:file:" + dir.toAbsolutePath().resolve(Demo.DATABASE))
            .build()) {
      for (UsageEvent e : store.findEvents(EventQuery.all(1_000_000))) {
        boolean call = e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR;
        if (!call && e.status() != EventStatus.QUOTA_EXCEEDED) {
          continue;
        }
        long[] row =
            ledger.computeIfAbsent(
                List.of(e.subject().id(), LocalDate.ofInstant(e.time(), ZoneOffset.UTC).toString()),
                k -> new long[4]);
        row[0] += call ? 1 : 0;
        row[1] += call ? 0 : 1;
        row[2] += e.totalTokens();
        row[3] += e.costMicros();
      }
    }
    assertEquals(ledger.size(), csv.size() - 1, "one row per user and day with events");
    long calls = 0;
    long denials = 0;
    for (List<String> r : csv.subList(1, csv.size())) {
      assertEquals("USER", r.get(0));
      long[] want = ledger.get(List.of(r.get(1), r.get(2)));
      assertTrue(want != null, r.toString());
      assertEquals(want[0], Long.parseLong(r.get(3)), "calls " + r);
      assertEquals(want[1], Long.parseLong(r.get(4)), "denials " + r);
      assertEquals(want[2], Long.parseLong(r.get(7)), "total tokens " + r);
      assertEquals(QuotaDenial.asMoney(want[3]), new BigDecimal(r.get(8)), "cost " + r);
      calls += want[0];
      denials += want[1];
    }
    assertEquals(s.calls(), calls, "every admitted call ended in the ledger as a call");
    assertEquals(s.denied(), denials);
  }
}
