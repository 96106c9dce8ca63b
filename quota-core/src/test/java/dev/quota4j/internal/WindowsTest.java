package dev.quota4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Window math swept over two years of instants in zones with and without DST. */
class WindowsTest {
  private static final List<ZoneId> ZONES =
      List.of(
          ZoneId.of("UTC"),
          ZoneId.of("America/New_York"),
          ZoneId.of("Europe/Berlin"),
          ZoneId.of("Asia/Kolkata"),
          ZoneId.of("Australia/Lord_Howe"),
          ZoneId.of("Pacific/Chatham"));

  @Test
  void everyInstantLiesInItsWindowAndWindowsAreContiguous() {
    for (ZoneId zone : ZONES) {
      for (Window w : List.of(Window.HOUR, Window.DAY, Window.WEEK, Window.MONTH)) {
        for (Duration offset :
            w == Window.HOUR
                ? List.of(Duration.ZERO)
                : List.of(Duration.ZERO, Duration.ofHours(4))) {
          Instant t = Instant.parse("2026-01-01T00:00:00Z");
          Instant stop = Instant.parse("2028-03-02T00:00:00Z");
          Instant prevStart = null;
          Instant prevEnd = null;
          while (t.isBefore(stop)) {
            Instant start = Windows.start(w, t, zone, offset);
            Instant end = Windows.end(w, start, zone, offset);
            String where = w + " " + zone + " +" + offset + " at " + t;
            assertTrue(!start.isAfter(t) && t.isBefore(end), where + ": " + start + ".." + end);
            assertEquals(start, Windows.start(w, start, zone, offset), where + " start is stable");
            if (prevStart != null && !prevStart.equals(start)) {
              // the windows from the previous one chain, end to start, to this one (a sample may
              // skip a short window cut by an offset change)
              Instant s = prevEnd;
              for (int i = 0; i < 3 && s.isBefore(start); i++) {
                assertEquals(
                    s, Windows.start(w, s, zone, offset), where + " chain starts at an end");
                s = Windows.end(w, s, zone, offset);
              }
              assertEquals(start, s, where + " windows are contiguous");
            }
            prevStart = start;
            prevEnd = end;
            t = t.plus(Duration.ofMinutes(37));
          }
        }
      }
    }
  }

  @Test
  void dstDaysAndMonthsHaveTheirRealLengths() {
    ZoneId ny = ZoneId.of("America/New_York");
    Instant spring =
        Windows.start(Window.DAY, Instant.parse("2026-03-08T12:00:00Z"), ny, Duration.ZERO);
    assertEquals(Instant.parse("2026-03-08T05:00:00Z"), spring);
    assertEquals(
        Duration.ofHours(23),
        Duration.between(spring, Windows.end(Window.DAY, spring, ny, Duration.ZERO)));
    Instant fall =
        Windows.start(Window.DAY, Instant.parse("2026-11-01T12:00:00Z"), ny, Duration.ZERO);
    assertEquals(
        Duration.ofHours(25),
        Duration.between(fall, Windows.end(Window.DAY, fall, ny, Duration.ZERO)));
    Instant feb =
        Windows.start(
            Window.MONTH, Instant.parse("2028-02-29T23:59:59Z"), ZoneId.of("UTC"), Duration.ZERO);
    assertEquals(Instant.parse("2028-02-01T00:00:00Z"), feb);
    assertEquals(
        Instant.parse("2028-03-01T00:00:00Z"),
        Windows.end(Window.MONTH, feb, ZoneId.of("UTC"), Duration.ZERO));
    Instant monday =
        Windows.start(
            Window.WEEK, Instant.parse("2026-11-29T23:00:00Z"), ZoneId.of("UTC"), Duration.ZERO);
    assertEquals(Instant.parse("2026-11-23T00:00:00Z"), monday);
    // the repeated 01:00 hour of the fall-back day is two windows
    Instant first =
        Windows.start(Window.HOUR, Instant.parse("2026-11-01T05:30:00Z"), ny, Duration.ZERO);
    Instant second =
        Windows.start(Window.HOUR, Instant.parse("2026-11-01T06:30:00Z"), ny, Duration.ZERO);
    assertEquals(Instant.parse("2026-11-01T05:00:00Z"), first);
    assertEquals(Instant.parse("2026-11-01T06:00:00Z"), second);
  }
}
