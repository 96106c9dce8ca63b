package dev.quota4j.providers;

import com.anthropic.models.messages.Message;
import dev.quota4j.Usage;

/**
 * {@link Usage} from the Anthropic Java SDK ({@code com.anthropic:anthropic-java}).
 *
 * <p>Anthropic's {@code input_tokens} counts only the input after the last cache breakpoint: it
 * excludes the tokens read from the prompt cache ({@code cache_read_input_tokens}) and those
 * written into it ({@code cache_creation_input_tokens}). Every one of them was processed and
 * billed, so quota4j's input tokens are the sum of the three, its cached input tokens the cache
 * reads (billed at 0.1× the input price) and its cache-write tokens the cache creations (billed at
 * 1.25× for the 5-minute cache, 2× for the 1-hour one). A cache hit is therefore never refused and
 * a cache write is priced at its own price.
 */
public final class AnthropicUsages {
  private AnthropicUsages() {}

  /** The usage of a Messages API call. */
  public static Usage from(com.anthropic.models.messages.Usage usage) {
    long read = usage.cacheReadInputTokens().orElse(0L);
    long written = usage.cacheCreationInputTokens().orElse(0L);
    return Usage.of(
            Math.addExact(usage.inputTokens(), Math.addExact(read, written)), usage.outputTokens())
        .withCachedInputTokens(read)
        .withCacheWriteTokens(written);
  }

  /** The usage of a message, for the model that answered. */
  public static Usage from(Message message) {
    return from(message.usage()).withModel(message.model().asString());
  }

  /** The message's id, unique per call: the ledger event id that makes a retry count once. */
  public static String eventId(Message message) {
    return message.id();
  }
}
