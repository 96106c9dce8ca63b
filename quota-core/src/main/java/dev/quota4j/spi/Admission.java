package dev.quota4j.spi;

import dev.quota4j.internal.Saturated;

/** The condition under which a store may add a charge to its counter. */
public enum Admission {
  /** Only if {@code used + reserved + amount <= limit}. */
  FIT,
  /** Only if {@code used + reserved < limit}: anything left admits the whole amount. */
  ANY_REMAINING,
  /** Always: soft and shadow limits count but never deny. */
  ALWAYS;

  /**
   * Whether a counter at {@code used} and {@code reserved} admits {@code amount} under this rule.
   */
  public boolean admits(long used, long reserved, long amount, long limit) {
    long taken = Saturated.add(used, reserved);
    return switch (this) {
      case FIT -> Saturated.add(taken, amount) <= limit;
      case ANY_REMAINING -> taken < limit;
      case ALWAYS -> true;
    };
  }
}
