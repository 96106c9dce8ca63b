package dev.quota4j.spring.boot.web;

import dev.quota4j.QuotaDenial;
import dev.quota4j.Reservation;
import dev.quota4j.http.Exposure;
import dev.quota4j.http.QuotaProblem;
import dev.quota4j.http.RateLimitHeaders;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP answers of this application's quota decisions, as the {@code quota4j.http.*} properties
 * configure them: headers for an admitted call or a denial, and a denial's problem detail. Plain
 * values; no web framework type.
 */
public final class QuotaHttpAnswers {
  private final Clock clock;
  private final Exposure exposure;
  private final @Nullable URI typeBase;
  private final RateLimitHeaders headers;

  /** Answers on {@code clock} that show the limits of {@code exposure}. */
  public QuotaHttpAnswers(Clock clock, Exposure exposure, @Nullable URI typeBase) {
    this.clock = clock;
    this.exposure = exposure;
    this.typeBase = typeBase;
    this.headers = RateLimitHeaders.of(clock, exposure);
  }

  /** The rate-limit headers of an admitted call (from its reservation; no store call). */
  public Map<String, String> headers(Reservation reservation) {
    return headers.forReservation(reservation);
  }

  /** The headers of a denial, {@code Retry-After} included. */
  public Map<String, String> headers(QuotaDenial denial) {
    return headers.forDenial(denial);
  }

  /** The problem detail of a denial. */
  public QuotaProblem problem(QuotaDenial denial) {
    return QuotaProblem.of(denial, clock, exposure, typeBase);
  }
}
