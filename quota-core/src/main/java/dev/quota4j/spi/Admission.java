package dev.quota4j.spi;

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
    long taken = saturatedAdd(used, reserved);
    return switch (this) {
      case FIT -> saturatedAdd(taken, amount) <= limit;
      case ANY_REMAINING -> taken < limit;
      case ALWAYS -> true;
    };
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
