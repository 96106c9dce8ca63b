package dev.quota4j.providers;

import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseUsage;
import dev.quota4j.Usage;

/**
 * {@link Usage} from the OpenAI Java SDK ({@code com.openai:openai-java}).
 *
 * <p>OpenAI counts cache reads and cache writes inside the prompt (input) tokens: {@code
 * prompt_tokens} is every input token, {@code prompt_tokens_details.cached_tokens} and {@code
 * cache_write_tokens} are parts of it. So the mapping is direct: input = prompt tokens, cached =
 * cached tokens, cache writes = cache-write tokens, output = completion tokens (reasoning tokens
 * included, as OpenAI bills them). Should an object ever report more cached and written tokens than
 * prompt tokens, the input is raised to their sum, so that the usage is charged rather than
 * refused.
 */
public final class OpenAiUsages {
  private OpenAiUsages() {}

  /** The usage of a Chat Completions (or legacy Completions) call. */
  public static Usage from(CompletionUsage usage) {
    long cached = 0;
    long written = 0;
    var details = usage.promptTokensDetails();
    if (details.isPresent()) {
      cached = details.get().cachedTokens().orElse(0L);
      written = details.get().cacheWriteTokens().orElse(0L);
    }
    return usage(usage.promptTokens(), usage.completionTokens(), cached, written);
  }

  /** The usage of a Responses API call. */
  public static Usage from(ResponseUsage usage) {
    var details = usage.inputTokensDetails();
    return usage(
        usage.inputTokens(),
        usage.outputTokens(),
        details.cachedTokens(),
        details.cacheWriteTokens());
  }

  /**
   * The usage of a chat completion, for the model that answered; {@link Usage#NONE} for the model
   * when the completion carries no usage (a stream without {@code include_usage}).
   */
  public static Usage from(ChatCompletion completion) {
    return completion
        .usage()
        .map(OpenAiUsages::from)
        .orElse(Usage.NONE)
        .withModel(completion.model());
  }

  /** The usage of a response, for the model that answered; none when it carries no usage. */
  public static Usage from(Response response) {
    return response
        .usage()
        .map(OpenAiUsages::from)
        .orElse(Usage.NONE)
        .withModel(response.model().asString());
  }

  /** The completion's id, unique per call: the ledger event id that makes a retry count once. */
  public static String eventId(ChatCompletion completion) {
    return completion.id();
  }

  /** The response's id, unique per call. */
  public static String eventId(Response response) {
    return response.id();
  }

  static Usage usage(long input, long output, long cached, long written) {
    long in = Math.max(input, Math.addExact(cached, written));
    return Usage.of(in, output).withCachedInputTokens(cached).withCacheWriteTokens(written);
  }
}
