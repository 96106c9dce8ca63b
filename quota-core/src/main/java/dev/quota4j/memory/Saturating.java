package dev.quota4j.memory;

/** Addition of non-negative counts that stops at {@link Long#MAX_VALUE} instead of wrapping. */
final class Saturating {
  private Saturating() {}

  /** {@code a + b}, or {@link Long#MAX_VALUE} when that overflows; both are non-negative. */
  static long add(long a, long b) {
    long v = a + b;
    return v < 0 ? Long.MAX_VALUE : v;
  }
}
