package dev.quota4j;

import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link QuotaManager#tryReserve} and {@link QuotaManager#check}: allowed (with a
 * reservation, for {@code tryReserve}) or denied with a {@link QuotaDenial}.
 */
public final class QuotaDecision {
  private final @Nullable Reservation reservation;

  /** Empty when allowed; else the denial first. */
  private final List<QuotaDenial> denials;

  private final List<LimitStatus> limits;

  private QuotaDecision(
      @Nullable Reservation reservation, List<QuotaDenial> denials, List<LimitStatus> limits) {
    this.reservation = reservation;
    this.denials = denials;
    this.limits = limits;
  }

  static QuotaDecision allowed(@Nullable Reservation reservation) {
    return new QuotaDecision(reservation, List.of(), List.of());
  }

  static QuotaDecision denied(QuotaDenial denial) {
    return new QuotaDecision(null, List.of(denial), List.of());
  }

  /**
   * A decision of {@code check} that read the counters: every miss (none: allowed), and where each
   * limit stood.
   */
  static QuotaDecision checked(List<QuotaDenial> misses, List<LimitStatus> limits) {
    return new QuotaDecision(null, List.copyOf(misses), List.copyOf(limits));
  }

  /** Whether the call may go ahead. */
  public boolean allowed() {
    return denials.isEmpty();
  }

  /** The reservation to commit or close. Fails when denied, or for a decision of {@code check}. */
  public Reservation reservation() {
    if (reservation == null) {
      throw new IllegalStateException(
          !denials.isEmpty()
              ? "denied (" + denials.get(0).code() + "): there is no reservation"
              : "a decision of check() holds no reservation");
    }
    return reservation;
  }

  /** Why it was denied. Fails when allowed. */
  public QuotaDenial denial() {
    if (denials.isEmpty()) {
      throw new IllegalStateException("allowed: there is no denial");
    }
    return denials.get(0);
  }

  /**
   * Every reason the call is denied: for {@link QuotaManager#check}, each stored limit the call
   * would not fit (the first is {@link #denial()}); otherwise the one denial. Empty when allowed.
   */
  public List<QuotaDenial> denials() {
    return denials;
  }

  /**
   * For {@link QuotaManager#check}: where each stored limit the call is charged to stood before it,
   * in the order admission charges them (a {@code tokens_remaining} figure is {@code
   * remaining("...")}). Empty for {@code tryReserve}, for a denial made without reading the
   * counters (a per-request cap, a feature gate, an unknown or deactivated subject), and in
   * FAIL_OPEN when the store was unreachable; use {@link QuotaManager#status} for those.
   */
  public List<LimitStatus> limits() {
    return limits;
  }

  /** What {@link #limits()} says is left of the named limit, if the check read it. */
  public OptionalLong remaining(String limitName) {
    for (LimitStatus l : limits) {
      if (l.limitName().equals(limitName)) {
        return OptionalLong.of(l.remaining());
      }
    }
    return OptionalLong.empty();
  }

  @Override
  public String toString() {
    return denials.isEmpty()
        ? "QuotaDecision{allowed}"
        : "QuotaDecision{denied " + denials.get(0).code() + "}";
  }
}
