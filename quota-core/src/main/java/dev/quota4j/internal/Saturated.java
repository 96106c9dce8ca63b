package dev.quota4j.internal;

/** Saturated arithmetic on counters: a sum past {@link Long#MAX_VALUE} stays there. */
public final class Saturated {
  private Saturated() {}

  /** {@code a + b}, or {@link Long#MAX_VALUE} when that overflows (both non-negative). */
  public static long add(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
