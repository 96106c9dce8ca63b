package dev.quota4j.examples;

import dev.quota4j.DenialCodes;
import dev.quota4j.QuotaDenial;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/** Turns a {@link QuotaDenial} into the HTTP status and JSON error body a service returns. */
public final class Denials {
  private Denials() {}

  /**
   * The HTTP status for a denial: 404 for an unknown user, 403 for a deactivated user, key or
   * tenant or a feature outside the plan, 429 (Too Many Requests) for every limit.
   */
  public static int httpStatus(QuotaDenial d) {
    return switch (d.code()) {
      case DenialCodes.USER_NOT_FOUND -> 404;
      case DenialCodes.USER_INACTIVE,
          DenialCodes.SUBJECT_INACTIVE,
          DenialCodes.FEATURE_NOT_IN_PLAN ->
          403;
      default -> 429;
    };
  }

  /**
   * The error body, in the shape the seed services return: {@code error_code}, {@code message} and
   * {@code details} with the limit, what is used, reserved and left, what was asked, by how much it
   * is over, when it resets and whether an upgrade helps.
   */
  public static Json.Obj body(QuotaDenial d, Instant now) {
    Json.Obj details =
        Json.object()
            .put("subject", d.subject().toString())
            .put("limit_name", d.limitName())
            .put("metric", d.metric() == null ? null : d.metric().name())
            .put("window", d.window() == null ? null : d.window().name());
    if (d.limitName() != null) {
      details
          .put("used", d.used())
          .put("reserved", d.reserved())
          .put("limit", d.limit())
          .put("requested", d.requested())
          .put("over_by", d.overBy())
          .put("remaining", d.remaining());
    }
    Instant resets = d.resetsAt();
    if (resets != null) {
      long seconds = Math.max(0, Duration.between(now, resets).toSeconds());
      details
          .put("resets_at", resets)
          .put("retry_after_seconds", seconds)
          .put(
              "hours_until_reset",
              BigDecimal.valueOf(seconds)
                  .divide(BigDecimal.valueOf(3600), 1, RoundingMode.HALF_UP));
    }
    details.put("requires_upgrade", d.requiresUpgrade()).put("upgrade_plans", d.upgradePlans());
    return Json.object()
        .put("error_code", d.code())
        .put("message", d.message())
        .put("details", details);
  }
}
