package dev.quota4j.examples;

import dev.quota4j.tokens.TokenCounter;

/** The token counter every example uses. */
public final class Tokens {
  private Tokens() {}

  /**
   * Counts prompt and answer tokens in every example and in the demo. Until the jtokkit counter
   * (issue 3) is on main this is the estimating counter; switching is this one line: {@code
   * JtokkitTokenCounter.openAi()}. The examples' price tables then become {@code
   * PriceTable.defaults()}.
   */
  public static final TokenCounter COUNTER = TokenCounter.estimating();
}
