package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Token estimates per operation (for example conversation 500, email draft 800, briefing 1000),
 * used when a request gives no estimate of its own.
 */
public final class OperationEstimates {
  private static final OperationEstimates NONE = new OperationEstimates(Map.of());

  private final Map<String, Long> tokensByOperation;

  private OperationEstimates(Map<String, Long> tokensByOperation) {
    this.tokensByOperation = tokensByOperation;
  }

  /** No estimates. */
  public static OperationEstimates none() {
    return NONE;
  }

  /** Estimates from a map of operation to total tokens. */
  public static OperationEstimates of(Map<String, Long> tokensByOperation) {
    tokensByOperation.forEach(
        (op, tokens) -> {
          Checks.id("operation", op);
          Checks.nonNegative("estimate of operation " + Checks.show(op), tokens);
        });
    return new OperationEstimates(Map.copyOf(tokensByOperation));
  }

  /** The estimated total tokens of one call of {@code operation}, if configured. */
  public OptionalLong tokensFor(String operation) {
    Long t = tokensByOperation.get(operation);
    return t == null ? OptionalLong.empty() : OptionalLong.of(t);
  }

  /** The estimates as a map. */
  public Map<String, Long> asMap() {
    return tokensByOperation;
  }
}
