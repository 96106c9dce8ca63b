package dev.quota4j.examples;

import dev.quota4j.tokens.TokenCounter;
import java.util.function.UnaryOperator;

/**
 * A deterministic stand-in for an LLM client: answers from a fixed function of the prompt, cuts the
 * answer's token count to the output budget, and reports the tokens it used, counted with a real
 * {@link TokenCounter} for its model.
 */
public final class FakeLlm {
  /** What a call returned. */
  public record ChatResult(String text, long promptTokens, long completionTokens, String model) {
    /** Prompt plus completion tokens. */
    public long totalTokens() {
      return promptTokens + completionTokens;
    }
  }

  private static final String ANSWER = "Think, act, check. ".repeat(160);

  private final TokenCounter counter;
  private final String model;
  private final UnaryOperator<String> answers;

  /** A fake for {@code model} that counts with {@code counter} and always gives the same answer. */
  public FakeLlm(TokenCounter counter, String model) {
    this(counter, model, prompt -> ANSWER);
  }

  /** A fake for {@code model} whose answer to a prompt is {@code answers.apply(prompt)}. */
  public FakeLlm(TokenCounter counter, String model, UnaryOperator<String> answers) {
    if (model.isBlank()) {
      throw new IllegalArgumentException("model must not be blank");
    }
    this.counter = counter;
    this.model = model;
    this.answers = answers;
  }

  /** The model this fake pretends to be. */
  public String model() {
    return model;
  }

  /** Answers {@code prompt} with at most {@code maxTokens} tokens. */
  public ChatResult call(String prompt, long maxTokens) {
    if (maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must be zero or more, was " + maxTokens);
    }
    String answer = answers.apply(prompt);
    long completion = Math.min(maxTokens, counter.count(answer, model));
    return new ChatResult(answer, counter.count(prompt, model), completion, model);
  }
}
