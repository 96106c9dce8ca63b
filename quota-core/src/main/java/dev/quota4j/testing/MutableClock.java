package dev.quota4j.testing;

import dev.quota4j.internal.Checks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that stands still until a test moves it. Thread-safe. */
public final class MutableClock extends Clock {
  private final Time now;
  private final ZoneId zone;

  /** The shared time of a clock and its copies in other zones. */
  private static final class Time {
    private volatile Instant value;

    Time(Instant value) {
      this.value = value;
    }
  }

  private MutableClock(Time now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /** A clock at {@code start}, in UTC. */
  public static MutableClock at(Instant start) {
    return new MutableClock(new Time(start), ZoneOffset.UTC);
  }

  /** A clock at {@code iso} (for example {@code 2026-03-08T04:59:00Z}), in UTC. */
  public static MutableClock at(String iso) {
    return at(Instant.parse(iso));
  }

  /** Moves the clock forward (or back, for a negative duration). */
  public void advance(Duration d) {
    synchronized (now) {
      now.value = now.value.plus(d);
    }
  }

  /** Sets the time. */
  public void set(Instant t) {
    synchronized (now) {
      now.value = Checks.notNull("instant", t);
    }
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId z) {
    return new MutableClock(now, z);
  }

  @Override
  public Instant instant() {
    return now.value;
  }
}
