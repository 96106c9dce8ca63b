package dev.quota4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request after the checks that need no store ({@link Gates#screen}): either its denial, or what
 * the store steps need of it.
 */
final class Candidate {
  private final @Nullable QuotaDenial denial;
  private final @Nullable Resolved resolved;
  private final @Nullable Estimate estimate;
  private final @Nullable BoundSet bounds;
  private final long maxOutput;

  private Candidate(
      @Nullable QuotaDenial denial,
      @Nullable Resolved resolved,
      @Nullable Estimate estimate,
      @Nullable BoundSet bounds,
      long maxOutput) {
    this.denial = denial;
    this.resolved = resolved;
    this.estimate = estimate;
    this.bounds = bounds;
    this.maxOutput = maxOutput;
  }

  static Candidate denied(QuotaDenial denial) {
    return new Candidate(denial, null, null, null, 0);
  }

  static Candidate admissible(
      Resolved resolved, Estimate estimate, BoundSet bounds, long maxOutput) {
    return new Candidate(null, resolved, estimate, bounds, maxOutput);
  }

  /** The denial, or null when the request goes on to the store. */
  @Nullable QuotaDenial denial() {
    return denial;
  }

  Resolved resolved() {
    return Objects.requireNonNull(resolved, "denied");
  }

  Estimate estimate() {
    return Objects.requireNonNull(estimate, "denied");
  }

  BoundSet bounds() {
    return Objects.requireNonNull(bounds, "denied");
  }

  /** The output tokens granted so far: the request's, or less where a per-request CLAMP cut it. */
  long maxOutput() {
    return maxOutput;
  }
}
