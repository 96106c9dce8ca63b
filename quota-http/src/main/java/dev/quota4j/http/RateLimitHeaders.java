package dev.quota4j.http;

import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.QuotaDenial;
import dev.quota4j.Reservation;
import dev.quota4j.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Rate-limit response headers from what admission already knows: an open {@link Reservation}'s
 * {@link Reservation#limits()} (no store call), a {@code QuotaStatus}'s limits, or a {@link
 * QuotaDenial}. Returns plain name/value pairs for any HTTP stack.
 *
 * <ul>
 *   <li>OpenAI style, of the most constraining visible limit of each metric: {@code
 *       x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests}, {@code
 *       x-ratelimit-reset-requests} and the same for {@code -tokens}; the reset is a duration such
 *       as {@code 59s} or {@code 6m0s}, rounded up to whole seconds.
 *   <li>The IETF {@code RateLimit-Policy} and {@code RateLimit} fields (structured lists, one item
 *       per visible limit: {@code "name";q=quota;w=window seconds} and {@code
 *       "name";r=remaining;t=seconds to reset}).
 *   <li>On a denial, {@code Retry-After} in whole seconds (rounded up), when the limit's window
 *       resets.
 * </ul>
 *
 * <p>Limits of subjects the {@link Exposure} hides (the system, provider keys, tenants) are left
 * out; a denial by one gets only {@code Retry-After}.
 */
public final class RateLimitHeaders {
  private final Clock clock;
  private final Exposure exposure;

  private RateLimitHeaders(Clock clock, Exposure exposure) {
    this.clock = clock;
    this.exposure = exposure;
  }

  /**
   * Headers for the caller's own limits ({@link Exposure#CALLER}), reset times from {@code clock}.
   */
  public static RateLimitHeaders of(Clock clock) {
    return new RateLimitHeaders(clock, Exposure.CALLER);
  }

  /** Headers for the limits {@code exposure} shows. */
  public static RateLimitHeaders of(Clock clock, Exposure exposure) {
    return new RateLimitHeaders(clock, exposure);
  }

  /** The headers of an admitted call, from the figures its reservation carries. */
  public Map<String, String> forReservation(Reservation reservation) {
    return forLimits(reservation.limits());
  }

  /** The headers of where these limits stand (a reservation's, or a status's). */
  public Map<String, String> forLimits(List<LimitStatus> limits) {
    Instant now = clock.instant();
    List<LimitStatus> shown = new ArrayList<>();
    for (LimitStatus l : limits) {
      if (exposure.shows(l.subject().kind()) && l.window().isStored()) {
        shown.add(l);
      }
    }
    Map<String, String> h = new LinkedHashMap<>();
    openAi(h, "requests", tightest(shown, true), now);
    openAi(h, "tokens", tightest(shown, false), now);
    if (!shown.isEmpty()) {
      List<String> policy = new ArrayList<>();
      List<String> state = new ArrayList<>();
      for (LimitStatus l : shown) {
        String name = sfString(l.limitName());
        StringBuilder p = new StringBuilder(name).append(";q=").append(l.limit());
        long w = windowSeconds(l.window());
        if (w > 0) {
          p.append(";w=").append(w);
        }
        policy.add(p.toString());
        StringBuilder s = new StringBuilder(name).append(";r=").append(l.remaining());
        if (l.resetsAt() != null) {
          s.append(";t=").append(seconds(Duration.between(now, l.resetsAt())));
        }
        state.add(s.toString());
      }
      h.put("RateLimit-Policy", String.join(", ", policy));
      h.put("RateLimit", String.join(", ", state));
    }
    return Collections.unmodifiableMap(h);
  }

  /**
   * The headers of a denial: {@code Retry-After} when its window resets, and, for a visible limit,
   * its figures (remaining as the denial saw it).
   */
  public Map<String, String> forDenial(QuotaDenial denial) {
    Map<String, String> h = new LinkedHashMap<>();
    Instant now = clock.instant();
    Duration retry = retryAfter(denial, now);
    if (retry != null) {
      h.put("Retry-After", Long.toString(seconds(retry)));
    }
    String limitName = denial.limitName();
    Metric metric = denial.metric();
    Window window = denial.window();
    if (limitName != null
        && metric != null
        && window != null
        && window.isStored()
        && exposure.shows(denial.subject().kind())) {
      String kind = metric == Metric.REQUESTS ? "requests" : isTokens(metric) ? "tokens" : null;
      if (kind != null) {
        h.put("x-ratelimit-limit-" + kind, Long.toString(denial.limit()));
        h.put("x-ratelimit-remaining-" + kind, Long.toString(denial.remaining()));
        if (retry != null) {
          h.put("x-ratelimit-reset-" + kind, duration(seconds(retry)));
        }
      }
      String name = sfString(limitName);
      long w = windowSeconds(window);
      h.put("RateLimit-Policy", name + ";q=" + denial.limit() + (w > 0 ? ";w=" + w : ""));
      h.put(
          "RateLimit",
          name + ";r=" + denial.remaining() + (retry != null ? ";t=" + seconds(retry) : ""));
    }
    return Collections.unmodifiableMap(h);
  }

  /** How long until the denial's window resets, from {@code now}; null when it does not. */
  static @Nullable Duration retryAfter(QuotaDenial denial, Instant now) {
    Instant at = denial.resetsAt();
    if (at != null) {
      return Duration.between(now, at);
    }
    return denial.retryAfter();
  }

  private static void openAi(
      Map<String, String> h, String kind, @Nullable LimitStatus l, Instant now) {
    if (l == null) {
      return;
    }
    h.put("x-ratelimit-limit-" + kind, Long.toString(l.limit()));
    h.put("x-ratelimit-remaining-" + kind, Long.toString(l.remaining()));
    if (l.resetsAt() != null) {
      h.put("x-ratelimit-reset-" + kind, duration(seconds(Duration.between(now, l.resetsAt()))));
    }
  }

  /** The limit of the metric kind with the least left; on a tie, the one that resets last. */
  private static @Nullable LimitStatus tightest(List<LimitStatus> limits, boolean requests) {
    LimitStatus best = null;
    for (LimitStatus l : limits) {
      boolean match = requests ? l.metric() == Metric.REQUESTS : isTokens(l.metric());
      if (!match) {
        continue;
      }
      if (best == null
          || l.remaining() < best.remaining()
          || (l.remaining() == best.remaining() && later(l.resetsAt(), best.resetsAt()))) {
        best = l;
      }
    }
    return best;
  }

  private static boolean later(@Nullable Instant a, @Nullable Instant b) {
    return a != null && (b == null || a.isAfter(b));
  }

  private static boolean isTokens(Metric m) {
    return m == Metric.TOKENS || m == Metric.INPUT_TOKENS || m == Metric.OUTPUT_TOKENS;
  }

  /** Whole seconds, rounded up, never negative. */
  static long seconds(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return 0;
    }
    long s = d.getSeconds();
    return d.getNano() > 0 ? s + 1 : s;
  }

  /** OpenAI's reset form: {@code 59s}, {@code 6m0s}, {@code 1h2m3s}. */
  static String duration(long seconds) {
    long h = seconds / 3600;
    long m = (seconds % 3600) / 60;
    long s = seconds % 60;
    if (h > 0) {
      return h + "h" + m + "m" + s + "s";
    }
    if (m > 0) {
      return m + "m" + s + "s";
    }
    return s + "s";
  }

  /** The nominal length of a window in seconds; 0 where it has none (months, per-request caps). */
  static long windowSeconds(Window w) {
    return switch (w) {
      case HOUR -> 3_600;
      case DAY -> 86_400;
      case WEEK -> 604_800;
      default -> 0;
    };
  }

  /** A structured-field string (RFC 8941): quoted, with {@code "} and {@code \} escaped. */
  static String sfString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        b.append('?'); // sf-string allows printable ASCII only
      } else {
        if (c == '"' || c == '\\') {
          b.append('\\');
        }
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
