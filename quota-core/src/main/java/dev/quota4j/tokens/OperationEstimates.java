package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Token estimates per operation (for example conversation 500, email draft 800, briefing 1000),
 * used when a request gives no estimate of its own. Immutable and thread-safe.
 *
 * <p>Configuration can hold them as one string, for example in an environment variable:
 *
 * <pre>{@code
 * OperationEstimates estimates =
 *     OperationEstimates.parse("conversation=500, email_draft=800, briefing=1000");
 * }</pre>
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
    Checks.argument(tokensByOperation != null, "estimates", "must not be null", "null");
    tokensByOperation.forEach(
        (op, tokens) -> {
          Checks.id("operation", op);
          Checks.argument(
              tokens != null, "estimate of operation " + Checks.show(op), "must be given", "null");
          Checks.amount("estimate of operation " + Checks.show(op), tokens);
        });
    return new OperationEstimates(Map.copyOf(tokensByOperation));
  }

  /**
   * Parses {@code operation=tokens} entries separated by commas, semicolons or line breaks; blanks
   * around names and numbers are ignored, and an empty string gives {@link #none()}. Underscores in
   * numbers are allowed ({@code 1_000}).
   *
   * @throws IllegalArgumentException naming the entry when it is malformed, negative, more than
   *     {@code Usage.MAX_AMOUNT}, or names an operation twice
   */
  public static OperationEstimates parse(String spec) {
    Checks.argument(spec != null, "operation estimates", "must not be null", "null");
    Map<String, Long> out = new LinkedHashMap<>();
    String[] entries = spec.split("[,;\\r\\n]", -1);
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      if (entry.isEmpty()) {
        continue;
      }
      String field = "operation estimates entry " + (i + 1);
      int eq = entry.indexOf('=');
      Checks.argument(eq > 0, field, "must look like operation=tokens", entry);
      String op = Checks.id(field + " operation", entry.substring(0, eq).strip());
      String number = entry.substring(eq + 1).strip().replace("_", "");
      long tokens;
      try {
        tokens = Long.parseLong(number);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            field + " must have a whole number of tokens, was " + Checks.show(entry), e);
      }
      Checks.amount("estimate of operation " + Checks.show(op), tokens);
      Checks.argument(out.put(op, tokens) == null, field, "names an operation twice", op);
    }
    return out.isEmpty() ? NONE : new OperationEstimates(Map.copyOf(out));
  }

  /** These estimates with {@code operation} set to {@code tokens}. */
  public OperationEstimates with(String operation, long tokens) {
    Checks.id("operation", operation);
    Checks.nonNegative("estimate of operation " + Checks.show(operation), tokens);
    Map<String, Long> copy = new LinkedHashMap<>(tokensByOperation);
    copy.put(operation, tokens);
    return new OperationEstimates(Map.copyOf(copy));
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

  /** The estimates in {@link #parse} format, sorted by operation. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(tokensByOperation)
        .forEach(
            (op, t) -> out.append(out.length() == 0 ? "" : ", ").append(op).append('=').append(t));
    return out.toString();
  }
}
