package dev.quota4j.reports;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Checks and figures shared by the reports: ranges, UTC days, averages and percentages. */
final class Figures {
  private Figures() {}

  static void range(Instant from, Instant to) {
    Checks.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
  }

  static Instant ceil(Instant t, ChronoUnit unit) {
    Instant f = t.truncatedTo(unit);
    return f.equals(t) ? t : f.plus(1, unit);
  }

  static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  static Instant start(LocalDate d) {
    return d.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** {@code total / count}, half up to two places; zero when count is zero. */
  static BigDecimal average(long total, long count) {
    if (count == 0) {
      return BigDecimal.ZERO.setScale(2, RoundingMode.UNNECESSARY);
    }
    return BigDecimal.valueOf(total).divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_UP);
  }

  /** {@code part / whole} in percent, half up to {@code scale} places; zero when whole is zero. */
  static BigDecimal percent(long part, long whole, int scale) {
    if (whole == 0) {
      return BigDecimal.ZERO.setScale(scale, RoundingMode.UNNECESSARY);
    }
    return BigDecimal.valueOf(part)
        .multiply(BigDecimal.valueOf(100))
        .divide(BigDecimal.valueOf(whole), scale, RoundingMode.HALF_UP);
  }
}
