package dev.quota4j.examples;

import dev.quota4j.tokens.TokenCounter;

/**
 * A deterministic stand-in for an LLM client: answers with a fixed text cut to the output budget,
 * and reports the tokens it used, counted with a real {@link TokenCounter}.
 */
public final class FakeLlm {
  /** What a call returned. */
  public record ChatResult(String text, long promptTokens, long completionTokens) {
    /** Prompt plus completion tokens. */
    public long totalTokens() {
      return promptTokens + completionTokens;
    }
  }

  private static final String ANSWER = "Think, act, check. ".repeat(160);

  private final TokenCounter counter;
  private final String model;

  /** A fake for {@code model} that counts with {@code counter}. */
  public FakeLlm(TokenCounter counter, String model) {
    this.counter = counter;
    this.model = model;
  }

  /** Answers {@code prompt} with at most {@code maxTokens} tokens. */
  public ChatResult call(String prompt, long maxTokens) {
    long completion = Math.min(maxTokens, counter.count(ANSWER, model));
    return new ChatResult(ANSWER, counter.count(prompt, model), completion);
  }
}
