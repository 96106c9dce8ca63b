package dev.quota4j;

import dev.quota4j.spi.UsageEvent;

/**
 * Hears what admission does. Every method has an empty default. Listeners are called on the
 * caller's thread after the store has acted; one that throws is logged and never breaks admission.
 */
public interface QuotaListener {

  /** A limit's usage crossed one of its thresholds; fires once per level per window per subject. */
  default void onThreshold(ThresholdEvent event) {}

  /**
   * A call was admitted: {@code reservation} holds its capacity (and, in {@link
   * Reservation#limits()}, where its limits stood). Called before the reservation is handed to the
   * caller; a listener that keeps it must not settle it.
   */
  default void onAdmitted(UsageRequest request, Reservation reservation) {}

  /** A call was denied. */
  default void onDenied(QuotaDenial denial, UsageRequest request) {}

  /** A soft or shadow limit would have denied this call; it was admitted. */
  default void onWouldDeny(QuotaDenial denial, UsageRequest request) {}

  /** A reservation was committed, or failed with billed usage. */
  default void onCommitted(UsageEvent event) {}

  /** A reservation was released without a call. */
  default void onReleased(UsageEvent event) {}

  /** Usage that was never reserved was recorded. */
  default void onRecorded(UsageEvent event) {}

  /** The store was unreachable and the call was admitted because the manager fails open. */
  default void onFailOpenAdmission(UsageRequest request, QuotaStoreUnavailableException cause) {}

  /**
   * The store refused a usage kept in the {@link UsageJournal} (a {@link
   * QuotaStoreRefusedException}, or any failure other than {@link QuotaStoreUnavailableException}):
   * it is set aside, kept in {@link UsageJournal#setAside()}, and not counted; the replay goes on
   * with the next entry and enforcement stays on.
   */
  default void onJournalSetAside(UsageEvent event, String reason) {}

  /** Something worth a warning that is not a denial, such as a model with no price. */
  default void onWarning(String code, String message) {}
}
