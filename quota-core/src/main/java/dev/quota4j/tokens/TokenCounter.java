package dev.quota4j.tokens;

/**
 * Counts tokens the way a model's tokenizer does. Implementations are thread-safe.
 *
 * <p>The manager uses a counter to estimate a request whose input tokens were not given.
 */
public interface TokenCounter {

  /** Tokens of {@code text} for {@code model}. Special-token strings in the text are plain text. */
  long count(String text, String model);

  /** Unicode code points of {@code text}: the unit of {@link dev.quota4j.Metric#CHARACTERS}. */
  static long characters(String text) {
    return text.codePointCount(0, text.length());
  }

  /**
   * A rough counter that needs no tokenizer: one token per four characters, rounded up. Good for
   * tests and for models without a known tokenizer.
   */
  static TokenCounter estimating() {
    return (text, model) -> (characters(text) + 3) / 4;
  }
}
