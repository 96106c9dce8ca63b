package dev.quota4j.springai;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.CheckReturnValue;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.UsageRequest;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Spring AI {@link ChatModel} that keeps every call inside its quota4j limits, for code that
 * calls a model without a {@code ChatClient}. The semantics are those of {@link QuotaAdvisor}: a
 * reservation of the prompt's input tokens and max tokens (the prompt's options, else the wrapped
 * model's default options, else 4,096), a {@link QuotaExceededException} before the wrapped model
 * is called, the response's usage committed, and the estimated input charged when the call fails.
 * {@link #stream(Prompt)} is guarded like the advisor's streams.
 *
 * <p>A prompt carries no per-call parameters, so who is charged comes from {@link
 * Builder#subjects}, typically from the request scope or a thread-local of the application.
 * Thread-safe when the wrapped model is.
 */
public final class QuotaChatModel implements ChatModel {
  private final ChatModel delegate;
  private final Guard guard;
  private final Function<Prompt, UsageRequest.Builder> subjects;

  private QuotaChatModel(Builder b) {
    this.delegate = b.delegate;
    this.guard = new Guard(b.quotas, b.defaultMaxOutputTokens);
    this.subjects = Guard.notNull("subjects", b.subjects);
  }

  /** A builder for a decorator of {@code delegate} enforcing the limits of {@code quotas}. */
  public static Builder builder(QuotaManager quotas, ChatModel delegate) {
    return new Builder(quotas, delegate);
  }

  @Override
  public ChatResponse call(Prompt prompt) {
    Guard.Admitted a = admit(prompt);
    try (Reservation r = a.reservation()) {
      ChatResponse response;
      try {
        response = delegate.call(prompt);
      } catch (RuntimeException | Error e) {
        Guard.failed(a, e);
        throw e;
      }
      var unused = r.commit(guard.usage(response, a));
      return response;
    }
  }

  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    return guard.stream(
        Mono.fromCallable(() -> admit(prompt)), a -> delegate.stream(prompt), r -> r);
  }

  private Guard.Admitted admit(Prompt prompt) {
    UsageRequest.Builder request = subjects.apply(prompt);
    if (request == null) {
      throw new IllegalArgumentException("subjects returned no request for the prompt");
    }
    return guard.admit(prompt, delegate.getOptions(), request);
  }

  @Override
  public ChatOptions getOptions() {
    return delegate.getOptions();
  }

  /** Builds a {@link QuotaChatModel}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    final QuotaManager quotas;
    final ChatModel delegate;
    @Nullable Function<Prompt, UsageRequest.Builder> subjects;
    long defaultMaxOutputTokens = 4_096;

    Builder(QuotaManager quotas, ChatModel delegate) {
      this.quotas = Guard.notNull("quotas", quotas);
      this.delegate = Guard.notNull("delegate", delegate);
    }

    /**
     * Who each call is charged to (required): the quota4j request, with its subject, for a prompt,
     * such as {@code p -> UsageRequest.forUser(currentUser())}. It may throw to refuse a call that
     * names no one; the model is then not called.
     */
    public Builder subjects(Function<Prompt, UsageRequest.Builder> value) {
      this.subjects = Guard.notNull("subjects", value);
      return this;
    }

    /**
     * Max output tokens reserved when neither the prompt nor the model's defaults set any. Default
     * 4,096.
     */
    public Builder defaultMaxOutputTokens(long value) {
      this.defaultMaxOutputTokens = value;
      return this;
    }

    /**
     * The decorator.
     *
     * @throws IllegalArgumentException when {@link #subjects} is not set, or naming a setting that
     *     is out of range
     */
    @CheckReturnValue
    public QuotaChatModel build() {
      return new QuotaChatModel(this);
    }
  }
}
