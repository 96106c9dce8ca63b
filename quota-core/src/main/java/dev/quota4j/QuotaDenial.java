package dev.quota4j;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Why a call was denied: which limit, how much is used, reserved and left, what was asked, when it
 * resets and whether an upgrade would help. Amounts are in the metric's unit; cost amounts are in
 * micro-units of the currency (see {@link #asMoney(long)}).
 *
 * @param code a stable code from {@link DenialCodes}, or the general form
 * @param message a readable message; never prompt text
 * @param subject who was charged by the limit that denied
 * @param limitName the limit's name, if a limit denied
 * @param metric the limit's metric, if a limit denied
 * @param window the limit's window, if a limit denied
 * @param used committed usage in the window
 * @param reserved usage held by open reservations
 * @param limit the limit in force
 * @param requested what this call asked for
 * @param overBy how far the call would pass the limit
 * @param remaining what is left, never negative
 * @param resetsAt when the window resets, if it does
 * @param retryAfter how long until it resets, if it does
 * @param requiresUpgrade whether another plan would allow the call
 * @param upgradePlans plans that would allow it
 */
public record QuotaDenial(
    String code,
    String message,
    SubjectRef subject,
    @Nullable String limitName,
    @Nullable Metric metric,
    @Nullable Window window,
    long used,
    long reserved,
    long limit,
    long requested,
    long overBy,
    long remaining,
    @Nullable Instant resetsAt,
    @Nullable Duration retryAfter,
    boolean requiresUpgrade,
    List<String> upgradePlans) {

  /** Copies the plan list. */
  public QuotaDenial {
    upgradePlans = List.copyOf(upgradePlans);
  }

  /** A denial that no counting limit made (unknown or inactive subject, feature gate). */
  public static QuotaDenial of(String code, String message, SubjectRef subject) {
    return new QuotaDenial(
        code, message, subject, null, null, null, 0, 0, 0, 0, 0, 0, null, null, false, List.of());
  }

  /** The same denial, saying that these plans would allow the call. */
  public QuotaDenial withUpgrades(List<String> plans) {
    return new QuotaDenial(
        code,
        message,
        subject,
        limitName,
        metric,
        window,
        used,
        reserved,
        limit,
        requested,
        overBy,
        remaining,
        resetsAt,
        retryAfter,
        !plans.isEmpty(),
        plans);
  }

  /** The reset instant, if the limit's window resets. */
  public Optional<Instant> resetTime() {
    return Optional.ofNullable(resetsAt);
  }

  /** Micro-units as an amount of money. */
  public static BigDecimal asMoney(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }
}
