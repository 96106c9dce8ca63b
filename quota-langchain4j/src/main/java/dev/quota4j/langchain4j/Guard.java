package dev.quota4j.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.tokens.TokenCounter;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The admission both decorators share: estimate, reserve, and the request to send. */
final class Guard {
  /** Model name the counter uses when neither the request nor the model names one. */
  static final String COUNTING_MODEL = "gpt-4o";

  final QuotaManager quotas;
  final ChatSubjects subjects;
  final TokenCounter counter;
  final long defaultMaxOutputTokens;
  final Function<Throwable, Usage> billedOnFailure;

  Guard(
      QuotaManager quotas,
      ChatSubjects subjects,
      @Nullable TokenCounter counter,
      long defaultMaxOutputTokens,
      Function<Throwable, Usage> billedOnFailure) {
    this.quotas = notNull("quotas", quotas);
    this.subjects = notNull("subjects", subjects);
    this.counter = counter != null ? counter : quotas.tokenCounter();
    if (defaultMaxOutputTokens < 0 || defaultMaxOutputTokens > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "defaultMaxOutputTokens must be 0 to "
              + Integer.MAX_VALUE
              + ", was "
              + defaultMaxOutputTokens);
    }
    this.defaultMaxOutputTokens = defaultMaxOutputTokens;
    this.billedOnFailure = notNull("billedOnFailure", billedOnFailure);
  }

  /** An admitted call: its reservation, the request to send and what the estimate counted. */
  record Admitted(
      Reservation reservation, ChatRequest request, long estimatedInput, String model) {}

  /**
   * Reserves for {@code request} (merged with the model's defaults): input tokens from its messages
   * and tools, output up to its max output tokens (or the default). Throws the denial before any
   * provider call. When a CLAMP limit granted less output, the request sent asks for that much.
   */
  Admitted admit(
      ChatRequest request,
      ChatRequestParameters defaults,
      @Nullable ModelProvider provider,
      Map<Object, Object> attributes) {
    ChatRequestParameters params = defaults.overrideWith(request.parameters());
    String modelName = params.modelName();
    String countAs = ChatUsage.nonBlank(modelName, COUNTING_MODEL);
    Integer requestedMax = params.maxOutputTokens();
    long maxOutput = requestedMax != null ? requestedMax : defaultMaxOutputTokens;
    long input = ChatUsage.inputTokens(counter, request, countAs);
    UsageRequest.Builder b = subjects.requestFor(request, attributes);
    if (modelName != null && !modelName.isBlank()) {
      b.model(modelName);
    }
    if (provider != null) {
      b.provider(provider.name().toLowerCase(Locale.ROOT));
    }
    b.estimatedTokens(input, maxOutput);
    Reservation r = quotas.reserve(b);
    ChatRequest send = request;
    long granted = r.grantedMaxOutputTokens();
    if (requestedMax == null || granted < maxOutput) {
      // the provider must not produce more than was reserved
      send =
          request.toBuilder()
              .parameters(
                  request
                      .parameters()
                      .overrideWith(
                          ChatRequestParameters.builder()
                              .maxOutputTokens((int) Math.min(granted, Integer.MAX_VALUE))
                              .build()))
              .build();
    }
    return new Admitted(r, send, input, countAs);
  }

  static <T> T notNull(String field, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }
}
