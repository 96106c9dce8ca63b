package dev.quota4j.examples;

import dev.quota4j.tokens.TokenCounter;

/** The token counter every example uses. */
public final class Tokens {
  private Tokens() {}

  /** Counts prompt and answer tokens in every example and in the demo, with OpenAI's encodings. */
  public static final TokenCounter COUNTER = TokenCounter.openAi();
}
