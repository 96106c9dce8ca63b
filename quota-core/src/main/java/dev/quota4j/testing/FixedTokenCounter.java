package dev.quota4j.testing;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.tokens.TokenCounter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token counter with fixed answers: a count per exact text, else a default count per text.
 * Thread-safe.
 */
public final class FixedTokenCounter implements TokenCounter {
  private final long defaultCount;
  private final Map<String, Long> counts = new ConcurrentHashMap<>();

  private FixedTokenCounter(long defaultCount) {
    this.defaultCount = Checks.nonNegative("defaultCount", defaultCount);
  }

  /** Counts every text as {@code tokens}. */
  public static FixedTokenCounter always(long tokens) {
    return new FixedTokenCounter(tokens);
  }

  /** Counts {@code text} as {@code tokens}. */
  @CanIgnoreReturnValue
  public FixedTokenCounter with(String text, long tokens) {
    counts.put(text, Checks.nonNegative("tokens", tokens));
    return this;
  }

  @Override
  public long count(String text, String model) {
    Long c = counts.get(text);
    return c != null ? c : defaultCount;
  }
}
