package dev.quota4j.internal;

import dev.quota4j.Window;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * Calendar window math. A window is identified by its start; its end is the next window's start.
 * Days follow the zone's rules, so a DST day lasts 23 or 25 hours.
 */
public final class Windows {
  private Windows() {}

  /** The start of the window of kind {@code window} that holds {@code t}. */
  public static Instant start(Window window, Instant t, ZoneId zone, Duration offset) {
    if (!window.isCalendar()) {
      return Instant.EPOCH;
    }
    if (window == Window.HOUR) {
      // the local hour in the offset in force at t; an hour never spans an offset change, so
      // zones that shift by 30 minutes (Lord Howe) still get contiguous windows
      ZoneRules rules = zone.getRules();
      Instant candidate = hourStartInOffset(t, rules.getOffset(t));
      ZoneOffsetTransition previous = rules.previousTransition(t.plusNanos(1));
      if (previous != null && previous.getInstant().isAfter(candidate)) {
        return previous.getInstant();
      }
      return candidate;
    }
    LocalDate day = t.atZone(zone).toLocalDateTime().minus(offset).toLocalDate();
    LocalDate first =
        switch (window) {
          case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
          case MONTH -> day.withDayOfMonth(1);
          default -> day;
        };
    return at(first, zone, offset);
  }

  /** The start of the window after the one that starts at {@code start}. */
  public static Instant end(Window window, Instant start, ZoneId zone, Duration offset) {
    if (!window.isCalendar()) {
      return Instant.MAX;
    }
    if (window == Window.HOUR) {
      ZoneRules rules = zone.getRules();
      Instant next = hourStartInOffset(start, rules.getOffset(start)).plusSeconds(3600);
      ZoneOffsetTransition change = rules.nextTransition(start);
      if (change != null && change.getInstant().isBefore(next)) {
        return change.getInstant();
      }
      return next;
    }
    LocalDate first = start.atZone(zone).toLocalDateTime().minus(offset).toLocalDate();
    LocalDate next =
        switch (window) {
          case WEEK -> first.plusWeeks(1);
          case MONTH -> first.plusMonths(1);
          default -> first.plusDays(1);
        };
    return at(next, zone, offset);
  }

  private static Instant hourStartInOffset(Instant t, ZoneOffset offset) {
    long local = t.getEpochSecond() + offset.getTotalSeconds();
    return Instant.ofEpochSecond(Math.floorDiv(local, 3600) * 3600 - offset.getTotalSeconds());
  }

  private static Instant at(LocalDate day, ZoneId zone, Duration offset) {
    if (offset.isZero()) {
      return day.atStartOfDay(zone).toInstant();
    }
    LocalDateTime local = day.atStartOfDay().plus(offset);
    return local.atZone(zone).toInstant();
  }
}
