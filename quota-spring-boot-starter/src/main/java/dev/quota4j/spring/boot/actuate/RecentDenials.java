package dev.quota4j.spring.boot.actuate;

import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.UsageRequest;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts this instance's denials per minute and code, for the last hour, for the {@code quota4j}
 * endpoint. Memory stays flat: at most 61 minutes of counters by code.
 */
public final class RecentDenials implements QuotaListener {
  private static final long MINUTES = 60;

  private final Clock clock;
  private final ConcurrentSkipListMap<Long, Map<String, LongAdder>> byMinute =
      new ConcurrentSkipListMap<>();

  /** Counts on {@code clock}. */
  public RecentDenials(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void onDenied(QuotaDenial denial, UsageRequest request) {
    long minute = minute();
    byMinute
        .computeIfAbsent(minute, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(denial.code(), c -> new LongAdder())
        .increment();
    byMinute.headMap(minute - MINUTES, false).clear();
  }

  /** The denials of the last hour, by code. */
  public Map<String, Long> lastHour() {
    long minute = minute();
    Map<String, Long> out = new TreeMap<>();
    byMinute
        .tailMap(minute - MINUTES, false)
        .values()
        .forEach(codes -> codes.forEach((code, n) -> out.merge(code, n.sum(), Long::sum)));
    return out;
  }

  private long minute() {
    return Math.floorDiv(clock.millis(), 60_000L);
  }
}
