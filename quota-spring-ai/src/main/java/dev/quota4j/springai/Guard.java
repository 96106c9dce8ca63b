package dev.quota4j.springai;

import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.tokens.ChatMessage;
import dev.quota4j.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The admission, settlement and stream handling the advisor and the decorator share. */
final class Guard {
  /** Model name the counter uses when neither the prompt nor the model names one. */
  static final String COUNTING_MODEL = "gpt-4o";

  final QuotaManager quotas;
  final TokenCounter counter;
  final long defaultMaxOutputTokens;

  Guard(QuotaManager quotas, long defaultMaxOutputTokens) {
    this.quotas = notNull("quotas", quotas);
    this.counter = quotas.tokenCounter();
    if (defaultMaxOutputTokens < 0 || defaultMaxOutputTokens > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "defaultMaxOutputTokens must be 0 to "
              + Integer.MAX_VALUE
              + ", was "
              + defaultMaxOutputTokens);
    }
    this.defaultMaxOutputTokens = defaultMaxOutputTokens;
  }

  /** An admitted call: its reservation and the input tokens the estimate counted. */
  record Admitted(Reservation reservation, long estimatedInput, String model) {}

  /**
   * Reserves for {@code prompt}: the input tokens of its messages (counted by the manager's token
   * counter) plus the max tokens of its options, else of {@code defaults}, else the default. Throws
   * the denial before any model call.
   */
  Admitted admit(Prompt prompt, @Nullable ChatOptions defaults, UsageRequest.Builder request) {
    ChatOptions options = prompt.getOptions();
    String modelName = options != null ? options.getModel() : null;
    if (modelName == null && defaults != null) {
      modelName = defaults.getModel();
    }
    Integer maxTokens = options != null ? options.getMaxTokens() : null;
    if (maxTokens == null && defaults != null) {
      maxTokens = defaults.getMaxTokens();
    }
    long maxOutput = maxTokens != null ? maxTokens : defaultMaxOutputTokens;
    String countAs = COUNTING_MODEL;
    if (modelName != null && !modelName.isBlank()) {
      countAs = modelName;
      request.model(modelName);
    }
    long input = counter.countMessages(messages(prompt.getInstructions()), countAs);
    request.estimatedTokens(input, maxOutput);
    return new Admitted(quotas.reserve(request), input, countAs);
  }

  static List<ChatMessage> messages(List<Message> in) {
    List<ChatMessage> out = new ArrayList<>(in.size());
    for (Message m : in) {
      String text = m.getText();
      out.add(
          ChatMessage.of(
              m.getMessageType().getValue().toLowerCase(Locale.ROOT), text == null ? "" : text));
    }
    return out;
  }

  /**
   * What a response used: its metadata's prompt and completion tokens (and the model that
   * answered); without usage, the estimated input and the tokens of its text.
   */
  Usage usage(@Nullable ChatResponse response, Admitted a) {
    if (response == null) {
      return Usage.of(a.estimatedInput(), 0);
    }
    org.springframework.ai.chat.metadata.Usage u = reported(response);
    Usage usage;
    if (u != null) {
      Integer in = u.getPromptTokens();
      Integer out = u.getCompletionTokens();
      usage = Usage.of(in == null ? 0 : in, out == null ? 0 : out);
    } else {
      usage = Usage.of(a.estimatedInput(), counter.count(text(response), a.model()));
    }
    String model = response.getMetadata().getModel();
    return model == null || model.isBlank() ? usage : usage.withModel(model);
  }

  /** The response's usage when it reports any tokens, else null. */
  static org.springframework.ai.chat.metadata.@Nullable Usage reported(ChatResponse response) {
    org.springframework.ai.chat.metadata.Usage u = response.getMetadata().getUsage();
    if (u == null) {
      return null;
    }
    Integer in = u.getPromptTokens();
    Integer out = u.getCompletionTokens();
    boolean any = (in != null && in > 0) || (out != null && out > 0);
    return any ? u : null;
  }

  static String text(ChatResponse response) {
    StringBuilder b = new StringBuilder();
    for (var g : response.getResults()) {
      String t = g.getOutput().getText();
      if (t != null) {
        b.append(t);
      }
    }
    return b.toString();
  }

  /** A failed call: recorded as an error, charged the estimated input (the provider read it). */
  static void failed(Admitted a, Throwable e) {
    var unused = a.reservation().fail(e, Usage.of(a.estimatedInput(), 0));
  }

  /**
   * Wraps a stream: reserves on {@code boundedElastic} when subscribed, then passes every element
   * on; on completion commits the last usage reported (else the estimated input and the counted
   * text), on error charges the estimated input, on cancel commits what was seen. Settles once; the
   * blocking store calls run on {@code boundedElastic}, never on the stream's thread.
   */
  <T> Flux<T> stream(
      Mono<Admitted> admission,
      Function<Admitted, Flux<T>> call,
      Function<T, @Nullable ChatResponse> responseOf) {
    return admission
        .subscribeOn(Schedulers.boundedElastic())
        .flatMapMany(
            a -> {
              AtomicReference<@Nullable ChatResponse> lastUsage = new AtomicReference<>();
              StringBuilder text = new StringBuilder();
              AtomicBoolean settled = new AtomicBoolean();
              Flux<T> body;
              try {
                body = call.apply(a);
              } catch (RuntimeException e) {
                body = Flux.error(e);
              }
              return body.doOnNext(
                      t -> {
                        ChatResponse r = responseOf.apply(t);
                        if (r != null) {
                          if (reported(r) != null) {
                            lastUsage.set(r);
                          }
                          synchronized (text) {
                            text.append(text(r));
                          }
                        }
                      })
                  .concatWith(
                      Mono.<T>fromRunnable(
                              () -> {
                                if (settled.compareAndSet(false, true)) {
                                  var unused = a.reservation().commit(settled(a, lastUsage, text));
                                }
                              })
                          .subscribeOn(Schedulers.boundedElastic()))
                  .onErrorResume(
                      e ->
                          Mono.<T>fromRunnable(
                                  () -> {
                                    if (settled.compareAndSet(false, true)) {
                                      failed(a, e);
                                    }
                                  })
                              .subscribeOn(Schedulers.boundedElastic())
                              .then(Mono.error(e)))
                  .doOnCancel(
                      () ->
                          Schedulers.boundedElastic()
                              .schedule(
                                  () -> {
                                    if (settled.compareAndSet(false, true)) {
                                      var unused =
                                          a.reservation().commit(settled(a, lastUsage, text));
                                    }
                                  }));
            });
  }

  private Usage settled(
      Admitted a, AtomicReference<@Nullable ChatResponse> lastUsage, StringBuilder text) {
    ChatResponse last = lastUsage.get();
    if (last != null) {
      return usage(last, a);
    }
    String seen;
    synchronized (text) {
      seen = text.toString();
    }
    return Usage.of(a.estimatedInput(), counter.count(seen, a.model()));
  }

  static <T> T notNull(String field, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }
}
