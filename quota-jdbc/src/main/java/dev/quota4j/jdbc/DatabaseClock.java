package dev.quota4j.jdbc;

import dev.quota4j.QuotaStoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Clock} that follows the database's clock, so that every process sharing the database
 * agrees on window boundaries even when their own clocks drift. It reads the database's time once
 * per refresh interval, measures the offset from the local clock (taking the middle of the round
 * trip) and between reads returns the local time plus that offset: no database call per {@link
 * #instant()}. When a refresh fails, the last offset is kept and the next refresh is tried one
 * interval later; when the very first read fails, {@link #instant()} throws {@link
 * QuotaStoreUnavailableException}.
 */
public final class DatabaseClock extends Clock {
  private record Sync(Instant localAt, Duration offset) {}

  private static final class State {
    final Supplier<Instant> databaseNow;
    final Clock local;
    final Duration refresh;
    volatile @Nullable Sync sync;

    State(Supplier<Instant> databaseNow, Clock local, Duration refresh) {
      this.databaseNow = databaseNow;
      this.local = local;
      this.refresh = refresh;
    }
  }

  private final State state;
  private final ZoneId zone;

  DatabaseClock(Supplier<Instant> databaseNow, Clock local, Duration refresh) {
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("refresh must be positive, was " + refresh);
    }
    this.state = new State(databaseNow, local, refresh);
    this.zone = ZoneOffset.UTC;
  }

  private DatabaseClock(State state, ZoneId zone) {
    this.state = state;
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId newZone) {
    return newZone.equals(zone) ? this : new DatabaseClock(state, newZone);
  }

  @Override
  public Instant instant() {
    Instant local = state.local.instant();
    Sync s = state.sync;
    if (s == null
        || local.isBefore(s.localAt())
        || Duration.between(s.localAt(), local).compareTo(state.refresh) >= 0) {
      s = resync(s);
      local = state.local.instant();
    }
    return local.plus(s.offset());
  }

  /** The database's time less the local clock's, as last measured. */
  public Duration offset() {
    Sync s = state.sync;
    return s == null ? resync(null).offset() : s.offset();
  }

  @SuppressWarnings("ReferenceEquality") // identity: has another thread replaced this Sync?
  private Sync resync(@Nullable Sync previous) {
    synchronized (state) {
      Sync current = state.sync;
      if (current != null && current != previous) {
        return current; // another thread refreshed meanwhile
      }
      Instant before = state.local.instant();
      Instant db;
      try {
        db = Objects.requireNonNull(state.databaseNow.get());
      } catch (QuotaStoreUnavailableException e) {
        if (current == null) {
          throw e;
        }
        Sync kept = new Sync(before, current.offset());
        state.sync = kept;
        return kept;
      }
      Instant after = state.local.instant();
      Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
      Sync fresh = new Sync(after, Duration.between(middle, db));
      state.sync = fresh;
      return fresh;
    }
  }

  @Override
  public String toString() {
    return "DatabaseClock[refresh " + state.refresh + ", zone " + zone + "]";
  }
}
