package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;

/**
 * Counts tokens of models whose tokenizer this library does not ship, by scaling the count of an
 * OpenAI encoding: {@code ceil(tokens(text, base) × percent / 100)}.
 *
 * <p>{@link #nonOpenAiDefault()} is what {@link JtokkitTokenCounter#openAi()} uses for {@code
 * claude-*}, {@code llama-*}, {@code mixtral-*} and {@code gemini-*}: cl100k_base tokens plus 25 %.
 * The tokenizers of those families differ: Llama 3 extends cl100k_base's vocabulary and needs about
 * as many tokens; Mixtral's 32k SentencePiece vocabulary and Claude's tokenizer need more for the
 * same English text. The margin is meant to err high, since an estimate that is too low admits a
 * call that does not fit; the manager corrects the charge with the provider's reported usage at
 * commit. A caller who has the model's real tokenizer should plug it in with {@link
 * JtokkitTokenCounter.Builder#approximate}.
 */
public final class ApproximateTokenCounter implements TokenCounter {
  private static final ApproximateTokenCounter NON_OPEN_AI_DEFAULT =
      new ApproximateTokenCounter(TokenEncoding.CL100K_BASE, 125);

  private final TokenEncoding base;
  private final int percent;

  private ApproximateTokenCounter(TokenEncoding base, int percent) {
    this.base = base;
    this.percent = percent;
  }

  /**
   * A counter that scales {@code base}'s count by {@code percent} / 100, rounding up.
   *
   * @throws IllegalArgumentException if {@code percent} is not between 1 and 1,000
   */
  public static ApproximateTokenCounter of(TokenEncoding base, int percent) {
    Checks.argument(base != null, "base", "must not be null", "null");
    Checks.argument(percent >= 1 && percent <= 1_000, "percent", "must be 1 to 1000", percent);
    return new ApproximateTokenCounter(base, percent);
  }

  /** cl100k_base tokens plus 25 %, rounded up: the default for non-OpenAI models. */
  public static ApproximateTokenCounter nonOpenAiDefault() {
    return NON_OPEN_AI_DEFAULT;
  }

  /** The encoding whose count is scaled. */
  public TokenEncoding base() {
    return base;
  }

  /** The scale in percent of the base count. */
  public int percent() {
    return percent;
  }

  /** {@inheritDoc} The model name is checked but does not change the count. */
  @Override
  public long count(String text, String model) {
    Checks.id("model", model);
    return scale(base.count(text));
  }

  private long scale(long tokens) {
    // tokens < 2^31 and percent <= 1000: the product cannot overflow
    return (tokens * percent + 99) / 100;
  }

  @Override
  public String toString() {
    return "ApproximateTokenCounter[" + base.encodingName() + " x " + percent + "%]";
  }
}
