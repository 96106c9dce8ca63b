package dev.quota4j;

import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link QuotaManager#tryReserve} and {@link QuotaManager#check}: allowed (with a
 * reservation, for {@code tryReserve}) or denied with a {@link QuotaDenial}.
 */
public final class QuotaDecision {
  private final @Nullable Reservation reservation;
  private final @Nullable QuotaDenial denial;

  private QuotaDecision(@Nullable Reservation reservation, @Nullable QuotaDenial denial) {
    this.reservation = reservation;
    this.denial = denial;
  }

  static QuotaDecision allowed(@Nullable Reservation reservation) {
    return new QuotaDecision(reservation, null);
  }

  static QuotaDecision denied(QuotaDenial denial) {
    return new QuotaDecision(null, denial);
  }

  /** Whether the call may go ahead. */
  public boolean allowed() {
    return denial == null;
  }

  /** The reservation to commit or close. Fails when denied, or for a decision of {@code check}. */
  public Reservation reservation() {
    if (reservation == null) {
      throw new IllegalStateException(
          denial != null
              ? "denied (" + denial.code() + "): there is no reservation"
              : "a decision of check() holds no reservation");
    }
    return reservation;
  }

  /** Why it was denied. Fails when allowed. */
  public QuotaDenial denial() {
    if (denial == null) {
      throw new IllegalStateException("allowed: there is no denial");
    }
    return denial;
  }

  @Override
  public String toString() {
    return denial == null
        ? "QuotaDecision{allowed}"
        : "QuotaDecision{denied " + denial.code() + "}";
  }
}
