package dev.quota4j.bench;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Bucket4j doing the closest equivalent of quota4j's admission: one bucket per limit (capacity =
 * the limit, the whole amount refilled at each UTC day or hour start), {@code tryConsume} on each
 * in turn, giving back what the earlier ones took ({@code addTokens}) when a later one refuses,
 * then reconciling the two token buckets to the actual usage: {@code addTokens} of what the
 * estimate took too much, {@code consumeIgnoringRateLimits} of what it took too little.
 *
 * <p>Either local buckets ({@link #local}) or buckets in PostgreSQL behind Bucket4j's
 * select-for-update proxy manager ({@link #proxied}); each user's two buckets are looked up in a
 * {@link ConcurrentHashMap} (as quota4j's manager looks up its cached directory entry).
 */
public final class Bucket4jAdmitter implements Admitter {
  private final Workload w;
  private final Function<String, Bucket[]> userBuckets;
  private final Map<String, Bucket[]> users = new ConcurrentHashMap<>();
  private final Bucket system;

  private Bucket4jAdmitter(
      Workload w, Clock clock, Function<BucketConfiguration, Function<String, Bucket>> buckets) {
    this.w = w;
    Instant now = clock.instant();
    Instant nextDay = now.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
    Instant nextHour = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
    BucketConfiguration tokensConfig = daily(w.userDailyTokens(), Duration.ofDays(1), nextDay);
    BucketConfiguration requestsConfig = daily(w.userDailyRequests(), Duration.ofDays(1), nextDay);
    BucketConfiguration systemConfig = daily(w.systemHourlyTokens(), Duration.ofHours(1), nextHour);
    Function<String, Bucket> tokens = buckets.apply(tokensConfig);
    Function<String, Bucket> requests = buckets.apply(requestsConfig);
    this.userBuckets =
        user ->
            new Bucket[] {
              tokens.apply("u:" + user + ":tokens"), requests.apply("u:" + user + ":requests")
            };
    this.system = buckets.apply(systemConfig).apply("system:tokens");
  }

  private static BucketConfiguration daily(long limit, Duration period, Instant firstRefill) {
    return BucketConfiguration.builder()
        .addLimit(l -> l.capacity(limit).refillIntervallyAligned(limit, period, firstRefill))
        .build();
  }

  /** A time meter that reads {@code clock} (wall-clock time, as aligned refills need). */
  static TimeMeter timeMeter(Clock clock) {
    if (clock.equals(Clock.systemUTC())) {
      return TimeMeter.SYSTEM_MILLISECONDS;
    }
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return clock.millis() * 1_000_000L;
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
  }

  /** Local (in-memory, lock-free) buckets. */
  public static Bucket4jAdmitter local(Workload w, Clock clock) {
    TimeMeter meter = timeMeter(clock);
    return new Bucket4jAdmitter(
        w,
        clock,
        config ->
            key -> {
              LocalBucketBuilder b = Bucket.builder().withCustomTimePrecision(meter);
              for (Bandwidth limit : config.getBandwidths()) {
                b.addLimit(limit);
              }
              return b.build();
            });
  }

  /** Buckets behind a proxy manager (e.g. PostgreSQL select-for-update), keyed by strings. */
  public static Bucket4jAdmitter proxied(Workload w, Clock clock, ProxyManager<String> proxies) {
    return new Bucket4jAdmitter(
        w, clock, config -> key -> proxies.builder().build(key, () -> config));
  }

  @Override
  public String name() {
    return "bucket4j";
  }

  @Override
  public boolean admit(String userId) {
    Bucket[] mine = users.computeIfAbsent(userId, userBuckets);
    Bucket tokens = mine[0];
    Bucket requests = mine[1];
    long estimate = w.estimatedTokens();
    if (!tokens.tryConsume(estimate)) {
      return false;
    }
    if (!requests.tryConsume(1)) {
      tokens.addTokens(estimate);
      return false;
    }
    if (!system.tryConsume(estimate)) {
      requests.addTokens(1);
      tokens.addTokens(estimate);
      return false;
    }
    long over = estimate - w.actualTokens();
    if (over > 0) {
      tokens.addTokens(over);
      system.addTokens(over);
    } else if (over < 0) {
      long unused = tokens.consumeIgnoringRateLimits(-over);
      unused = system.consumeIgnoringRateLimits(-over);
    }
    return true;
  }

  @Override
  public long consumed(Counter counter, String userId) {
    return switch (counter) {
      case USER_TOKENS ->
          w.userDailyTokens() - users.computeIfAbsent(userId, userBuckets)[0].getAvailableTokens();
      case USER_REQUESTS ->
          w.userDailyRequests()
              - users.computeIfAbsent(userId, userBuckets)[1].getAvailableTokens();
      case SYSTEM_TOKENS -> w.systemHourlyTokens() - system.getAvailableTokens();
    };
  }
}
