package dev.quota4j.example;

import org.springframework.stereotype.Component;

/**
 * Stands in for an LLM client: answers every prompt with a fixed reply and reports usage as a
 * provider would (input tokens: one per four characters; output tokens: one per reply word).
 */
@Component
public class FakeLlm {
  /** Creates the fake. */
  public FakeLlm() {}

  /** A reply and its usage. */
  public record Reply(String text, long inputTokens, long outputTokens) {}

  /** Answers {@code prompt} in at most {@code maxTokens} tokens. */
  public Reply call(String prompt, long maxTokens) {
    String text = "a fine answer from a fake model";
    long words = Math.min(maxTokens, text.split(" ").length);
    return new Reply(text, Math.max(1, prompt.length() / 4), words);
  }
}
