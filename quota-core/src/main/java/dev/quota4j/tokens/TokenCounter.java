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
   * {@value #REPLY_PRIMING_TOKENS} to prime the reply. Tools are counted by {@link #countTools};
   * images are not counted.
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
   * Tokens of the tool (function) definitions of a chat request, counted as OpenAI bills them (the
   * cookbook's "How to count tokens with tiktoken", section on tool calls, whose example of one
   * weather function and two messages it reproduces: 101 prompt tokens for gpt-4o, 105 for gpt-4).
   * Per function: a fixed start (7 tokens on o200k models, 10 on cl100k ones), the tokens of {@code
   * name:description}; when it has parameters, 3 more, then per parameter 3 plus the tokens of
   * {@code name:type:description}, and for an enum -3 plus, per value, 3 and its tokens (a
   * description's final period is not counted). 12 tokens close the list. Nested objects count as
   * their type only, as in the cookbook. Zero for no tools.
   *
   * @throws IllegalArgumentException if the list or a tool is null, or the model is invalid
   */
  default long countTools(List<ToolDefinition> tools, String model) {
    Checks.argument(tools != null, "tools", "must not be null", "null");
    Checks.id("model", model);
    if (tools.isEmpty()) {
      return 0;
    }
    boolean cl100k =
        ModelEncodings.openAi().find(model).map(e -> e == TokenEncoding.CL100K_BASE).orElse(false);
    long tokens = 0;
    for (int i = 0; i < tools.size(); i++) {
      ToolDefinition t = tools.get(i);
      Checks.argument(t != null, "tools[" + i + "]", "must not be null", "null");
      tokens += cl100k ? 10 : 7;
      tokens += count(t.name() + ":" + withoutFinalPeriod(t.description()), model);
      if (!t.parameters().isEmpty()) {
        tokens += 3;
        for (ToolDefinition.ToolParameter p : t.parameters()) {
          tokens += 3;
          if (!p.enumValues().isEmpty()) {
            tokens -= 3;
            for (String v : p.enumValues()) {
              tokens += 3 + count(v, model);
            }
          }
          tokens +=
              count(p.name() + ":" + p.type() + ":" + withoutFinalPeriod(p.description()), model);
        }
      }
    }
    return tokens + 12;
  }

  /** {@link #countMessages} plus {@link #countTools}: the prompt tokens of a request with tools. */
  default long countMessages(List<ChatMessage> messages, List<ToolDefinition> tools, String model) {
    return countMessages(messages, model) + countTools(tools, model);
  }

  private static String withoutFinalPeriod(@org.jspecify.annotations.Nullable String text) {
    if (text == null) {
      return "";
    }
    return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
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
   * The estimate of a chat request with tools: its messages' and tool definitions' tokens ({@link
   * #countMessages(List, List, String)}) and the maximum output it allows.
   *
   * @throws IllegalArgumentException if {@code maxOutputTokens} is negative or the sum overflows
   */
  default TokenEstimate estimate(
      List<ChatMessage> messages, List<ToolDefinition> tools, long maxOutputTokens, String model) {
    Checks.nonNegative("maxOutputTokens", maxOutputTokens);
    return new TokenEstimate(countMessages(messages, tools, model), maxOutputTokens);
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
