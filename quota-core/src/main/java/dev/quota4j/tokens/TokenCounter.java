package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import java.util.List;

/**
 * Counts tokens the way a model's tokenizer does. Implementations are thread-safe.
 *
 * <p>The manager uses a counter to estimate a request whose input tokens were not given. {@link
 * #openAi()} counts OpenAI's models exactly (see {@link JtokkitTokenCounter}); {@link
 * #estimating()} needs no tokenizer at all.
 */
public interface TokenCounter {

  /** Tokens OpenAI's chat format adds around every message. */
  int TOKENS_PER_MESSAGE = 3;

  /** Tokens a message's {@code name} adds on top of the tokens of the name itself. */
  int TOKENS_PER_NAME = 1;

  /** Tokens that prime the reply ({@code <|start|>assistant<|message|>}). */
  int REPLY_PRIMING_TOKENS = 3;

  /**
   * Tokens of {@code text} for {@code model}. Special-token strings in the text are plain text.
   *
   * @throws IllegalArgumentException if {@code text} is null or {@code model} is not a valid id
   */
  long count(String text, String model);

  /**
   * Tokens of a chat request's messages, counted by OpenAI's rule (the cookbook's "How to count
   * tokens with tiktoken"): {@value #TOKENS_PER_MESSAGE} per message, plus the tokens of every
   * value of the message (role, content and name), plus {@value #TOKENS_PER_NAME} per name, plus
   * {@value #REPLY_PRIMING_TOKENS} to prime the reply. Tools and images are not counted.
   *
   * @throws IllegalArgumentException if the list or a message is null, or the model is invalid
   */
  default long countMessages(List<ChatMessage> messages, String model) {
    Checks.argument(messages != null, "messages", "must not be null", "null");
    Checks.id("model", model);
    long tokens = REPLY_PRIMING_TOKENS;
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      Checks.argument(m != null, "messages[" + i + "]", "must not be null", "null");
      tokens += TOKENS_PER_MESSAGE + count(m.role(), model) + count(m.content(), model);
      String name = m.name();
      if (name != null) {
        tokens += count(name, model) + TOKENS_PER_NAME;
      }
    }
    return tokens;
  }

  /**
   * The estimate of a completion request: the prompt's tokens and the maximum output it allows.
   *
   * @throws IllegalArgumentException if {@code maxOutputTokens} is negative or the sum overflows
   */
  default TokenEstimate estimate(String prompt, long maxOutputTokens, String model) {
    Checks.nonNegative("maxOutputTokens", maxOutputTokens);
    return new TokenEstimate(count(prompt, model), maxOutputTokens);
  }

  /**
   * The estimate of a chat request: its messages' tokens ({@link #countMessages}) and the maximum
   * output it allows.
   *
   * @throws IllegalArgumentException if {@code maxOutputTokens} is negative or the sum overflows
   */
  default TokenEstimate estimate(List<ChatMessage> messages, long maxOutputTokens, String model) {
    Checks.nonNegative("maxOutputTokens", maxOutputTokens);
    return new TokenEstimate(countMessages(messages, model), maxOutputTokens);
  }

  /**
   * Unicode code points of {@code text}: the unit of {@link dev.quota4j.Metric#CHARACTERS}. An
   * emoji outside the Basic Multilingual Plane is one character, not two {@code char}s; a combining
   * accent is a character of its own.
   */
  static long characters(String text) {
    Checks.argument(text != null, "text", "must not be null", "null");
    return text.codePointCount(0, text.length());
  }

  /**
   * A rough counter that needs no tokenizer: one token per four characters, rounded up. Good for
   * tests and for models without a known tokenizer.
   */
  static TokenCounter estimating() {
    return (text, model) -> (characters(text) + 3) / 4;
  }

  /** The shared counter for OpenAI's models: {@link JtokkitTokenCounter#openAi()}. */
  static TokenCounter openAi() {
    return JtokkitTokenCounter.openAi();
  }
}
