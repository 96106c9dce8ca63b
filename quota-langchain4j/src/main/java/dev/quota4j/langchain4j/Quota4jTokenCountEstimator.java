package dev.quota4j.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.TokenCountEstimator;
import dev.quota4j.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * quota4j's {@link TokenCounter} as LangChain4j's {@link TokenCountEstimator}, so that memory
 * windows, splitters and quota4j count alike. Messages are counted by OpenAI's rule ({@link
 * TokenCounter#countMessages}); one message alone without the tokens that prime the reply. Counts
 * above {@link Integer#MAX_VALUE} are reported as that.
 */
public final class Quota4jTokenCountEstimator implements TokenCountEstimator {
  private final TokenCounter counter;
  private final String model;

  /**
   * Counts for {@code model} (its tokenizer: {@code gpt-4o} and newer OpenAI models use o200k).
   *
   * @throws IllegalArgumentException if the model name is blank
   */
  public Quota4jTokenCountEstimator(TokenCounter counter, String model) {
    this.counter = Guard.notNull("counter", counter);
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must not be blank, was '" + model + "'");
    }
    this.model = model;
  }

  @Override
  public int estimateTokenCountInText(String text) {
    return clamp(counter.count(text, model));
  }

  @Override
  public int estimateTokenCountInMessage(ChatMessage message) {
    return clamp(
        counter.countMessages(List.of(ChatUsage.message(message)), model)
            - TokenCounter.REPLY_PRIMING_TOKENS);
  }

  @Override
  public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
    List<dev.quota4j.tokens.ChatMessage> all = new ArrayList<>();
    for (ChatMessage m : messages) {
      all.add(ChatUsage.message(m));
    }
    return clamp(counter.countMessages(all, model));
  }

  private static int clamp(long tokens) {
    return (int) Math.min(tokens, Integer.MAX_VALUE);
  }
}
