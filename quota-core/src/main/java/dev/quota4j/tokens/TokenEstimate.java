package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;

/**
 * What a request may use before it runs: its counted input and the output it allows.
 *
 * @param inputTokens tokens of the prompt or messages
 * @param maxOutputTokens the most output tokens the request allows
 */
public record TokenEstimate(long inputTokens, long maxOutputTokens) {

  /** Validates that both amounts are zero or more and that their sum fits in a long. */
  public TokenEstimate {
    Checks.nonNegative("inputTokens", inputTokens);
    Checks.nonNegative("maxOutputTokens", maxOutputTokens);
    Checks.add("estimated tokens", inputTokens, maxOutputTokens);
  }

  /** Input plus maximum output: what a TOKENS limit reserves. */
  public long totalTokens() {
    return inputTokens + maxOutputTokens;
  }
}
