package dev.quota4j.springai;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.CheckReturnValue;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.UsageRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Spring AI {@code ChatClient} advisor, for calls and streams, that keeps every call inside its
 * quota4j limits:
 *
 * <ol>
 *   <li>the subject comes from the advisor parameters: {@value #USER}, else {@value #SESSION}, else
 *       {@value #API_KEY} (and {@value #OPERATION} if present); a call naming none is refused with
 *       an {@link IllegalArgumentException} before the model is called;
 *   <li>it reserves the input tokens of the prompt's messages (counted by the manager's token
 *       counter) plus the max tokens of the prompt's chat options ({@link
 *       Builder#defaultMaxOutputTokens}, 4,096, when none); a denial throws {@link
 *       QuotaExceededException} before the model is called;
 *   <li>the response's usage (prompt and completion tokens of its metadata, and the model that
 *       answered) is committed; a response without usage is charged the estimated input and the
 *       tokens of its text;
 *   <li>a call that fails is recorded as an error and charged the <em>estimated input tokens</em>:
 *       the provider has usually read the prompt before it failed, and charging it keeps a failing
 *       caller from retrying for free. The exception is rethrown unchanged.
 * </ol>
 *
 * <p>Streams are admitted the same way, when subscribed. The blocking reserve, commit and fail run
 * on {@code Schedulers.boundedElastic()}, never on the stream's thread; the last usage the stream
 * reports is committed when it completes, the estimated input is charged when it fails, and what
 * was seen is committed when the subscriber cancels.
 *
 * <pre>{@code
 * ChatClient chat = ChatClient.builder(model)
 *     .defaultAdvisors(QuotaAdvisor.builder(quotas).build())
 *     .build();
 * String answer = chat.prompt("Hello")
 *     .advisors(a -> a.param(QuotaAdvisor.USER, "u-42"))
 *     .call()
 *     .content();
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class QuotaAdvisor implements CallAdvisor, StreamAdvisor {
  /** Advisor parameter naming the signed-in user charged for the call. */
  public static final String USER = "quota4j.user";

  /** Advisor parameter naming the anonymous session charged for the call (when no user). */
  public static final String SESSION = "quota4j.session";

  /** Advisor parameter naming the API key charged for the call (when no user or session). */
  public static final String API_KEY = "quota4j.apiKey";

  /** Optional advisor parameter naming the operation, such as {@code planning}. */
  public static final String OPERATION = "quota4j.operation";

  private final Guard guard;
  private final int order;

  private QuotaAdvisor(Builder b) {
    this.guard = new Guard(b.quotas, b.defaultMaxOutputTokens);
    this.order = b.order;
  }

  /** A builder for an advisor enforcing the limits of {@code quotas}. */
  public static Builder builder(QuotaManager quotas) {
    return new Builder(quotas);
  }

  @Override
  public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
    Guard.Admitted a = guard.admit(request.prompt(), null, subject(request.context()));
    try (Reservation r = a.reservation()) {
      ChatClientResponse response;
      try {
        response = chain.nextCall(request);
      } catch (RuntimeException | Error e) {
        Guard.failed(a, e);
        throw e;
      }
      var unused = r.commit(guard.usage(response.chatResponse(), a));
      return response;
    }
  }

  @Override
  public Flux<ChatClientResponse> adviseStream(
      ChatClientRequest request, StreamAdvisorChain chain) {
    return guard.stream(
        Mono.fromCallable(() -> guard.admit(request.prompt(), null, subject(request.context()))),
        a -> chain.nextStream(request),
        ChatClientResponse::chatResponse);
  }

  /**
   * The quota4j request for a call's advisor context: {@value #USER}, else {@value #SESSION}, else
   * {@value #API_KEY}, and {@value #OPERATION} if present.
   *
   * @throws IllegalArgumentException when the context names no subject
   */
  static UsageRequest.Builder subject(Map<String, ? extends @Nullable Object> context) {
    UsageRequest.Builder b;
    Object user = context.get(USER);
    Object session = context.get(SESSION);
    Object apiKey = context.get(API_KEY);
    if (user != null) {
      b = UsageRequest.forUser(user.toString());
    } else if (session != null) {
      b = UsageRequest.forAnonymous(session.toString());
    } else if (apiKey != null) {
      b = UsageRequest.forApiKey(apiKey.toString());
    } else {
      throw new IllegalArgumentException(
          "advisor parameters must name who is charged: "
              + USER
              + ", "
              + SESSION
              + " or "
              + API_KEY
              + ", was none of them (keys: "
              + context.keySet()
              + ")");
    }
    Object operation = context.get(OPERATION);
    if (operation != null) {
      b.operation(operation.toString());
    }
    return b;
  }

  @Override
  public String getName() {
    return "QuotaAdvisor";
  }

  @Override
  public int getOrder() {
    return order;
  }

  /** Builds a {@link QuotaAdvisor}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    final QuotaManager quotas;
    long defaultMaxOutputTokens = 4_096;
    int order = 0;

    Builder(QuotaManager quotas) {
      this.quotas = Guard.notNull("quotas", quotas);
    }

    /** Max output tokens reserved when the prompt's options set none. Default 4,096. */
    public Builder defaultMaxOutputTokens(long value) {
      this.defaultMaxOutputTokens = value;
      return this;
    }

    /**
     * The advisor's order in the chain (lower runs first, outside the others). Default 0: after
     * advisors that add messages with a lower order, so their messages are counted.
     */
    public Builder order(int value) {
      this.order = value;
      return this;
    }

    /**
     * The advisor.
     *
     * @throws IllegalArgumentException naming a setting that is out of range
     */
    @CheckReturnValue
    public QuotaAdvisor build() {
      return new QuotaAdvisor(this);
    }
  }
}
