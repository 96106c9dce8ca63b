package dev.quota4j;

/** What an enforced limit does when the estimate does not fit in what is left. */
public enum Overshoot {
  /** Deny unless the whole estimate fits. */
  REJECT,
  /** Admit while anything is left; the counter may pass the limit by the rest of the call. */
  ADMIT_IF_ANY,
  /**
   * Admit with the maximum output tokens shrunk to what fits; the granted maximum is returned on
   * the reservation. Applies to token limits; other metrics behave as {@link #REJECT}.
   */
  CLAMP
}
