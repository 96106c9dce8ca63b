package dev.quota4j.jdbc;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Instants in the database: {@code TIMESTAMP(6)} / {@code DATETIME(6)} columns holding UTC, bound
 * as {@link LocalDateTime} so that neither the JVM's nor the session's time zone takes part. Kept
 * to the microsecond (the finest PostgreSQL and MySQL keep); finer parts are cut off.
 */
final class Times {
  /** The earliest instant every dialect stores (MySQL's {@code DATETIME} starts at year 1000). */
  static final Instant MIN = Instant.parse("1000-01-01T00:00:00Z");

  /** The latest instant every dialect stores. */
  static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

  private Times() {}

  /** A stored instant; fails naming {@code field} when the database cannot hold it. */
  static LocalDateTime stored(String field, Instant i) {
    Args.argument(
        !i.isBefore(MIN) && !i.isAfter(MAX), field, "must be between " + MIN + " and " + MAX, i);
    return LocalDateTime.ofInstant(i.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  /** A bound in a query or an open end (lease, window end): clamped into the stored range. */
  static LocalDateTime clamped(Instant i) {
    Instant c = i.isBefore(MIN) ? MIN : i.isAfter(MAX) ? MAX : i.truncatedTo(ChronoUnit.MICROS);
    return LocalDateTime.ofInstant(c, ZoneOffset.UTC);
  }

  private static final java.time.format.DateTimeFormatter LITERAL =
      java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

  /** A stored instant as an SQL timestamp literal, for elements of array parameters. */
  static String literal(LocalDateTime t) {
    return LITERAL.format(t);
  }

  static Instant read(LocalDateTime t) {
    return t.toInstant(ZoneOffset.UTC);
  }
}
