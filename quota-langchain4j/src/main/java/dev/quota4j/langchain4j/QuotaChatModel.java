package dev.quota4j.langchain4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.CheckReturnValue;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import java.util.List;
import java.util.Set;

/**
 * A LangChain4j {@link ChatModel} that keeps every call inside its quota4j limits:
 *
 * <ol>
 *   <li>the call's subject comes from {@link ChatSubjects} (by default the listener attributes
 *       {@code quota4j.user}, {@code quota4j.session} or {@code quota4j.apiKey} of {@code
 *       ChatRequestOptions});
 *   <li>it reserves the input tokens of the messages and tool specifications (counted by the
 *       manager's token counter) plus the requested max output tokens (or {@link
 *       Builder#defaultMaxOutputTokens} when the request sets none); a denial throws {@link
 *       QuotaExceededException} before the wrapped model is called;
 *   <li>the wrapped model is called with max output tokens set to what was granted (less, when a
 *       CLAMP limit shrank it);
 *   <li>the response's token usage (input and output, and the model that answered) is committed; a
 *       response without usage is charged the estimated input and its text's tokens;
 *   <li>a call that throws is recorded as an error and charged what {@link Builder#billedOnFailure}
 *       says the provider billed (nothing by default); the exception is rethrown unchanged.
 * </ol>
 *
 * <p>The ledger event of a committed call has the reservation's id: it is what makes a commit count
 * exactly once against the hold it replaces. Thread-safe when the wrapped model is.
 */
public final class QuotaChatModel implements ChatModel {
  private final ChatModel delegate;
  private final Guard guard;

  private QuotaChatModel(Builder b) {
    this.delegate = Guard.notNull("delegate", b.delegate);
    this.guard = new Guard(b.quotas, b.subjects, null, b.defaultMaxOutputTokens, b.billedOnFailure);
  }

  /** A builder for a decorator of {@code delegate} enforcing the limits of {@code quotas}. */
  public static Builder builder(QuotaManager quotas, ChatModel delegate) {
    return new Builder(quotas, delegate);
  }

  @Override
  public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
    Guard.Admitted a =
        guard.admit(
            request,
            delegate.defaultRequestParameters(),
            delegate.provider(),
            options.listenerAttributes());
    try (Reservation r = a.reservation()) {
      ChatResponse response;
      try {
        response = delegate.chat(a.request(), options);
      } catch (RuntimeException | Error e) {
        var unused = r.fail(e, guard.billedOnFailure.apply(e));
        throw e;
      }
      var unused =
          r.commit(ChatUsage.usage(response, a.estimatedInput(), guard.counter, a.model()));
      return response;
    }
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return delegate.defaultRequestParameters();
  }

  /** None: the wrapped model's listeners fire inside its own call. */
  @Override
  public List<ChatModelListener> listeners() {
    return List.of();
  }

  @Override
  public ModelProvider provider() {
    return delegate.provider();
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return delegate.supportedCapabilities();
  }

  /** Builds a {@link QuotaChatModel}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    final QuotaManager quotas;
    final ChatModel delegate;
    ChatSubjects subjects = ChatSubjects.fromAttributes();
    long defaultMaxOutputTokens = 4_096;
    java.util.function.Function<Throwable, Usage> billedOnFailure = e -> Usage.NONE;

    Builder(QuotaManager quotas, ChatModel delegate) {
      this.quotas = Guard.notNull("quotas", quotas);
      this.delegate = Guard.notNull("delegate", delegate);
    }

    /** Who each call is charged to. Default: {@link ChatSubjects#fromAttributes()}. */
    public Builder subjects(ChatSubjects value) {
      this.subjects = Guard.notNull("subjects", value);
      return this;
    }

    /**
     * Max output tokens reserved (and sent) when neither the request nor the model's defaults set
     * any. Default 4,096.
     */
    public Builder defaultMaxOutputTokens(long value) {
      this.defaultMaxOutputTokens = value;
      return this;
    }

    /**
     * What the provider billed for a call that failed with the given exception. Default: nothing
     * ({@link Usage#NONE}), which is what a refused or failed HTTP call costs.
     */
    public Builder billedOnFailure(java.util.function.Function<Throwable, Usage> value) {
      this.billedOnFailure = Guard.notNull("billedOnFailure", value);
      return this;
    }

    /**
     * The decorator.
     *
     * @throws IllegalArgumentException naming a setting that is out of range
     */
    @CheckReturnValue
    public QuotaChatModel build() {
      return new QuotaChatModel(this);
    }
  }
}
