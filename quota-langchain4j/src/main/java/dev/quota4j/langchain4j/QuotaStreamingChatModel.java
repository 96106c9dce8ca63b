package dev.quota4j.langchain4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.CheckReturnValue;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.ReservationExpiredException;
import dev.quota4j.Usage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A LangChain4j {@link StreamingChatModel} that keeps every streamed call inside its quota4j
 * limits. Admission is that of {@link QuotaChatModel}: the subject from {@link ChatSubjects}, a
 * reservation of the messages', tools' and max output tokens, and a {@link QuotaExceededException}
 * thrown from {@code chat} before the wrapped model is called. Then, while the stream runs:
 *
 * <ul>
 *   <li>each partial response's tokens are counted; once half of the lease has passed (by the
 *       builder's clock) the reservation is extended by {@link Builder#leaseExtension}, so a long
 *       stream keeps its hold;
 *   <li>on completion the response's token usage is committed (without usage: the estimated input
 *       and the counted output); on error the call is recorded as failed and charged what {@link
 *       Builder#billedOnFailure} says was billed, else the tokens streamed so far;
 *   <li>with {@link Builder#stopAtGrantedBudget} the stream is cancelled (through LangChain4j's
 *       {@code StreamingHandle}) as soon as its output reaches the granted max output tokens: the
 *       counted usage is committed and the handler completes with what was received and finish
 *       reason {@code LENGTH}.
 * </ul>
 *
 * <p>Settling is done once, whichever of these comes first; later callbacks of the wrapped model
 * are passed on but charge nothing.
 */
public final class QuotaStreamingChatModel implements StreamingChatModel {
  private final StreamingChatModel delegate;
  private final Guard guard;
  private final boolean stopAtBudget;
  private final Duration leaseExtension;
  private final Clock clock;

  private QuotaStreamingChatModel(Builder b) {
    this.delegate = b.delegate;
    this.guard = new Guard(b.quotas, b.subjects, null, b.defaultMaxOutputTokens, b.billedOnFailure);
    this.stopAtBudget = b.stopAtGrantedBudget;
    if (b.leaseExtension.isNegative() || b.leaseExtension.isZero()) {
      throw new IllegalArgumentException(
          "leaseExtension must be positive, was " + b.leaseExtension);
    }
    this.leaseExtension = b.leaseExtension;
    this.clock = b.clock;
  }

  /** A builder for a decorator of {@code delegate} enforcing the limits of {@code quotas}. */
  public static Builder builder(QuotaManager quotas, StreamingChatModel delegate) {
    return new Builder(quotas, delegate);
  }

  @Override
  public void chat(
      ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
    Guard.Admitted a =
        guard.admit(
            request,
            delegate.defaultRequestParameters(),
            delegate.provider(),
            options.listenerAttributes());
    Stream stream = new Stream(a, handler);
    try {
      delegate.chat(a.request(), options, stream);
    } catch (RuntimeException | Error e) {
      stream.failed(e);
      throw e;
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

  /** One streamed call: counts, extends, settles once. */
  private final class Stream implements StreamingChatResponseHandler {
    private final Guard.Admitted admitted;
    private final Reservation reservation;
    private final StreamingChatResponseHandler handler;
    private final long budget;
    private final StringBuilder text = new StringBuilder();
    private long outputTokens;
    private boolean settled;
    private Instant leaseUntil;
    private Instant leaseStart;

    Stream(Guard.Admitted admitted, StreamingChatResponseHandler handler) {
      this.admitted = admitted;
      this.reservation = admitted.reservation();
      this.handler = handler;
      this.budget = reservation.grantedMaxOutputTokens();
      this.leaseUntil = reservation.leaseUntil();
      this.leaseStart = clock.instant();
    }

    /** Counts a partial response; true when the stream has reached its budget and must stop. */
    private synchronized boolean received(@Nullable String partial) {
      if (settled || partial == null) {
        return false;
      }
      text.append(partial);
      outputTokens += guard.counter.count(partial, admitted.model());
      Instant now = clock.instant();
      Duration half = Duration.between(leaseStart, leaseUntil).dividedBy(2);
      if (!now.isBefore(leaseStart.plus(half))) {
        try {
          reservation.extend(leaseExtension);
        } catch (ReservationExpiredException e) {
          // the hold is gone; the commit still records the usage, once, as committed late
        }
        leaseStart = now;
        leaseUntil = reservation.leaseUntil();
      }
      return stopAtBudget && outputTokens >= budget;
    }

    private synchronized @Nullable ChatResponse cutOff() {
      if (settled) {
        return null;
      }
      settled = true;
      var unused = reservation.commit(Usage.of(admitted.estimatedInput(), outputTokens));
      reservation.close();
      return ChatResponse.builder()
          .aiMessage(AiMessage.from(text.toString()))
          .finishReason(FinishReason.LENGTH)
          .tokenUsage(
              new TokenUsage(
                  (int) Math.min(admitted.estimatedInput(), Integer.MAX_VALUE),
                  (int) Math.min(outputTokens, Integer.MAX_VALUE)))
          .build();
    }

    private synchronized boolean completed(ChatResponse response) {
      if (settled) {
        return false;
      }
      settled = true;
      try (reservation) {
        var unused =
            reservation.commit(
                ChatUsage.usage(
                    response, admitted.estimatedInput(), guard.counter, admitted.model()));
      }
      return true;
    }

    synchronized void failed(Throwable error) {
      if (settled) {
        return;
      }
      settled = true;
      try (reservation) {
        Usage billed = guard.billedOnFailure.apply(error);
        if (billed.equals(Usage.NONE) && outputTokens > 0) {
          // tokens were streamed: the provider billed at least those and the input
          billed = Usage.of(admitted.estimatedInput(), outputTokens);
        }
        var unused = reservation.fail(error, billed);
      }
    }

    @Override
    public void onPartialResponse(String partialResponse) {
      boolean stop = received(partialResponse);
      handler.onPartialResponse(partialResponse);
      if (stop) {
        // no handle to cancel with through this callback: settle now, charge nothing after
        ChatResponse cut = cutOff();
        if (cut != null) {
          handler.onCompleteResponse(cut);
        }
      }
    }

    @Override
    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
      boolean stop = received(partial.text());
      handler.onPartialResponse(partial, context);
      if (stop) {
        context.streamingHandle().cancel();
        ChatResponse cut = cutOff();
        if (cut != null) {
          handler.onCompleteResponse(cut);
        }
      }
    }

    @Override
    public void onPartialThinking(PartialThinking partialThinking) {
      handler.onPartialThinking(partialThinking);
    }

    @Override
    public void onPartialThinking(PartialThinking partial, PartialThinkingContext context) {
      handler.onPartialThinking(partial, context);
    }

    @Override
    public void onPartialToolCall(PartialToolCall partialToolCall) {
      handler.onPartialToolCall(partialToolCall);
    }

    @Override
    public void onPartialToolCall(PartialToolCall partial, PartialToolCallContext context) {
      handler.onPartialToolCall(partial, context);
    }

    @Override
    public void onCompleteToolCall(CompleteToolCall completeToolCall) {
      handler.onCompleteToolCall(completeToolCall);
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      if (completed(response)) {
        handler.onCompleteResponse(response);
      }
    }

    @Override
    public void onError(Throwable error) {
      failed(error);
      handler.onError(error);
    }
  }

  /** Builds a {@link QuotaStreamingChatModel}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    final QuotaManager quotas;
    final StreamingChatModel delegate;
    ChatSubjects subjects = ChatSubjects.fromAttributes();
    long defaultMaxOutputTokens = 4_096;
    Function<Throwable, Usage> billedOnFailure = e -> Usage.NONE;
    boolean stopAtGrantedBudget;
    Duration leaseExtension = Duration.ofMinutes(5);
    Clock clock = Clock.systemUTC();

    Builder(QuotaManager quotas, StreamingChatModel delegate) {
      this.quotas = Guard.notNull("quotas", quotas);
      this.delegate = Guard.notNull("delegate", delegate);
    }

    /** Who each call is charged to. Default: {@link ChatSubjects#fromAttributes()}. */
    public Builder subjects(ChatSubjects value) {
      this.subjects = Guard.notNull("subjects", value);
      return this;
    }

    /** Max output tokens reserved (and sent) when the request sets none. Default 4,096. */
    public Builder defaultMaxOutputTokens(long value) {
      this.defaultMaxOutputTokens = value;
      return this;
    }

    /**
     * What the provider billed for a stream that failed with the given exception; {@link
     * Usage#NONE} (the default) charges the estimated input and the tokens streamed so far, if any
     * were.
     */
    public Builder billedOnFailure(Function<Throwable, Usage> value) {
      this.billedOnFailure = Guard.notNull("billedOnFailure", value);
      return this;
    }

    /** Whether to cancel a stream once its output reaches the granted budget. Default: no. */
    public Builder stopAtGrantedBudget(boolean value) {
      this.stopAtGrantedBudget = value;
      return this;
    }

    /** How much each extension of a running stream's lease adds. Default 5 minutes. */
    public Builder leaseExtension(Duration value) {
      this.leaseExtension = Guard.notNull("leaseExtension", value);
      return this;
    }

    /** The clock that decides when a lease is extended; the manager's clock in tests. */
    public Builder clock(Clock value) {
      this.clock = Guard.notNull("clock", value);
      return this;
    }

    /**
     * The decorator.
     *
     * @throws IllegalArgumentException naming a setting that is out of range
     */
    @CheckReturnValue
    public QuotaStreamingChatModel build() {
      return new QuotaStreamingChatModel(this);
    }
  }
}
