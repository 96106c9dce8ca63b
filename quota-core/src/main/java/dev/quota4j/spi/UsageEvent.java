package dev.quota4j.spi;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.CheckReturnValue;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One row of the usage ledger. Holds ids, dimensions and amounts; never prompt text.
 *
 * @param eventId unique; the ledger keeps one event per id
 * @param reservationId the reservation this event closes, if any
 * @param time when it happened (the manager's clock)
 * @param status the outcome
 * @param subject the primary subject (user or anonymous session)
 * @param apiKey the API key named by the request, if any
 * @param providerKey the provider key named by the request, if any
 * @param tenant the tenant named by the request, if any
 * @param workflowId the workflow, if any
 * @param sessionId the session, if any
 * @param operation the operation, such as {@code planning}
 * @param provider the provider, such as {@code openai}
 * @param model the model actually used, or the one asked for
 * @param agent the agent, if any
 * @param tool the tool, if any
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param cachedInputTokens cached input tokens (cache reads; part of the input tokens)
 * @param cacheWriteTokens input tokens written into the provider's prompt cache (part of the input
 *     tokens, apart from the cached ones)
 * @param characters characters sent, as Unicode code points
 * @param costMicros cost in micro-units of the currency
 * @param estimatedTokens the tokens estimated at admission (for reconciliation); 0 if none
 * @param errorCode a denial code or an error class name, if any
 * @param errorMessage a short error message, if any; never prompt text; cut to 1,000 chars, an
 *     unpaired UTF-16 surrogate replaced by U+FFFD
 * @param tags free tags
 */
public record UsageEvent(
    String eventId,
    @Nullable String reservationId,
    Instant time,
    EventStatus status,
    SubjectRef subject,
    @Nullable String apiKey,
    @Nullable String providerKey,
    @Nullable String tenant,
    @Nullable String workflowId,
    @Nullable String sessionId,
    @Nullable String operation,
    @Nullable String provider,
    @Nullable String model,
    @Nullable String agent,
    @Nullable String tool,
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    long cacheWriteTokens,
    long characters,
    long costMicros,
    long estimatedTokens,
    @Nullable String errorCode,
    @Nullable String errorMessage,
    Map<String, String> tags) {

  /** Longest error message kept in the ledger, in UTF-16 chars; longer ones are cut. */
  public static final int MAX_ERROR_MESSAGE = 1000;

  /** Validates ids and amounts; copies the tags. */
  public UsageEvent {
    Checks.id("eventId", eventId);
    Checks.optionalId("reservationId", reservationId);
    Checks.optionalId("apiKey", apiKey);
    Checks.optionalId("providerKey", providerKey);
    Checks.optionalId("tenant", tenant);
    Checks.optionalId("workflowId", workflowId);
    Checks.optionalId("sessionId", sessionId);
    Checks.optionalId("operation", operation);
    Checks.optionalId("provider", provider);
    Checks.optionalId("model", model);
    Checks.optionalId("agent", agent);
    Checks.optionalId("tool", tool);
    Checks.optionalId("errorCode", errorCode);
    Checks.nonNegative("inputTokens", inputTokens);
    Checks.nonNegative("outputTokens", outputTokens);
    Checks.nonNegative("cachedInputTokens", cachedInputTokens);
    Checks.nonNegative("cacheWriteTokens", cacheWriteTokens);
    Checks.nonNegative("characters", characters);
    Checks.nonNegative("costMicros", costMicros);
    Checks.nonNegative("estimatedTokens", estimatedTokens);
    if (errorMessage != null) {
      // free text (often an exception's message): kept, with what no store keeps exactly replaced
      errorMessage = Checks.replaceUnpairedSurrogates(errorMessage);
    }
    if (errorMessage != null && errorMessage.length() > MAX_ERROR_MESSAGE) {
      // cut between characters, never inside a surrogate pair
      int cut = MAX_ERROR_MESSAGE;
      if (Character.isHighSurrogate(errorMessage.charAt(cut - 1))) {
        cut--;
      }
      errorMessage = errorMessage.substring(0, cut);
    }
    tags = Map.copyOf(tags);
  }

  /**
   * The form without cache-write tokens (none were written), kept for code written before they
   * existed.
   */
  public UsageEvent(
      String eventId,
      @Nullable String reservationId,
      Instant time,
      EventStatus status,
      SubjectRef subject,
      @Nullable String apiKey,
      @Nullable String providerKey,
      @Nullable String tenant,
      @Nullable String workflowId,
      @Nullable String sessionId,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String agent,
      @Nullable String tool,
      long inputTokens,
      long outputTokens,
      long cachedInputTokens,
      long characters,
      long costMicros,
      long estimatedTokens,
      @Nullable String errorCode,
      @Nullable String errorMessage,
      Map<String, String> tags) {
    this(
        eventId,
        reservationId,
        time,
        status,
        subject,
        apiKey,
        providerKey,
        tenant,
        workflowId,
        sessionId,
        operation,
        provider,
        model,
        agent,
        tool,
        inputTokens,
        outputTokens,
        cachedInputTokens,
        0,
        characters,
        costMicros,
        estimatedTokens,
        errorCode,
        errorMessage,
        tags);
  }

  /** Input plus output tokens. */
  public long totalTokens() {
    return inputTokens + outputTokens;
  }

  /** A builder. */
  public static Builder builder(
      String eventId, Instant time, EventStatus status, SubjectRef subject) {
    return new Builder(eventId, time, status, subject);
  }

  /** A builder holding this event's values. */
  public Builder toBuilder() {
    Builder b = new Builder(eventId, time, status, subject);
    b.reservationId = reservationId;
    b.apiKey = apiKey;
    b.providerKey = providerKey;
    b.tenant = tenant;
    b.workflowId = workflowId;
    b.sessionId = sessionId;
    b.operation = operation;
    b.provider = provider;
    b.model = model;
    b.agent = agent;
    b.tool = tool;
    b.inputTokens = inputTokens;
    b.outputTokens = outputTokens;
    b.cachedInputTokens = cachedInputTokens;
    b.cacheWriteTokens = cacheWriteTokens;
    b.characters = characters;
    b.costMicros = costMicros;
    b.estimatedTokens = estimatedTokens;
    b.errorCode = errorCode;
    b.errorMessage = errorMessage;
    if (!tags.isEmpty()) {
      b.tags = new TreeMap<>(tags);
    }
    return b;
  }

  /** Builds a {@link UsageEvent}. */
  @CanIgnoreReturnValue
  public static final class Builder {
    private String eventId;
    private Instant time;
    private EventStatus status;
    private SubjectRef subject;
    private @Nullable String reservationId;
    private @Nullable String apiKey;
    private @Nullable String providerKey;
    private @Nullable String tenant;
    private @Nullable String workflowId;
    private @Nullable String sessionId;
    private @Nullable String operation;
    private @Nullable String provider;
    private @Nullable String model;
    private @Nullable String agent;
    private @Nullable String tool;
    private long inputTokens;
    private long outputTokens;
    private long cachedInputTokens;
    private long cacheWriteTokens;
    private long characters;
    private long costMicros;
    private long estimatedTokens;
    private @Nullable String errorCode;
    private @Nullable String errorMessage;
    private @Nullable TreeMap<String, String> tags; // created by the first tag

    private Builder(String eventId, Instant time, EventStatus status, SubjectRef subject) {
      this.eventId = eventId;
      this.time = time;
      this.status = status;
      this.subject = subject;
    }

    /** Sets the event id. */
    public Builder eventId(String v) {
      eventId = v;
      return this;
    }

    /** Sets the time. */
    public Builder time(Instant v) {
      time = v;
      return this;
    }

    /** Sets the status. */
    public Builder status(EventStatus v) {
      status = v;
      return this;
    }

    /** Sets the primary subject. */
    public Builder subject(SubjectRef v) {
      subject = v;
      return this;
    }

    /** Sets the reservation id. */
    public Builder reservationId(@Nullable String v) {
      reservationId = v;
      return this;
    }

    /** Sets the API key. */
    public Builder apiKey(@Nullable String v) {
      apiKey = v;
      return this;
    }

    /** Sets the provider key. */
    public Builder providerKey(@Nullable String v) {
      providerKey = v;
      return this;
    }

    /** Sets the tenant. */
    public Builder tenant(@Nullable String v) {
      tenant = v;
      return this;
    }

    /** Sets the workflow id. */
    public Builder workflowId(@Nullable String v) {
      workflowId = v;
      return this;
    }

    /** Sets the session id. */
    public Builder sessionId(@Nullable String v) {
      sessionId = v;
      return this;
    }

    /** Sets the operation. */
    public Builder operation(@Nullable String v) {
      operation = v;
      return this;
    }

    /** Sets the provider. */
    public Builder provider(@Nullable String v) {
      provider = v;
      return this;
    }

    /** Sets the model. */
    public Builder model(@Nullable String v) {
      model = v;
      return this;
    }

    /** Sets the agent. */
    public Builder agent(@Nullable String v) {
      agent = v;
      return this;
    }

    /** Sets the tool. */
    public Builder tool(@Nullable String v) {
      tool = v;
      return this;
    }

    /** Sets the input tokens. */
    public Builder inputTokens(long v) {
      inputTokens = v;
      return this;
    }

    /** Sets the output tokens. */
    public Builder outputTokens(long v) {
      outputTokens = v;
      return this;
    }

    /** Sets the cached input tokens. */
    public Builder cachedInputTokens(long v) {
      cachedInputTokens = v;
      return this;
    }

    /** Sets the cache-write tokens. */
    public Builder cacheWriteTokens(long v) {
      cacheWriteTokens = v;
      return this;
    }

    /** Sets the characters. */
    public Builder characters(long v) {
      characters = v;
      return this;
    }

    /** Sets the cost in micro-units. */
    public Builder costMicros(long v) {
      costMicros = v;
      return this;
    }

    /** Sets the estimated tokens. */
    public Builder estimatedTokens(long v) {
      estimatedTokens = v;
      return this;
    }

    /** Sets the error code. */
    public Builder errorCode(@Nullable String v) {
      errorCode = v;
      return this;
    }

    /** Sets the error message. */
    public Builder errorMessage(@Nullable String v) {
      errorMessage = v;
      return this;
    }

    /** Adds a tag. */
    public Builder tag(String key, String value) {
      TreeMap<String, String> t = tags;
      if (t == null) {
        t = new TreeMap<>();
        tags = t;
      }
      t.put(Checks.id("tag key", key), Checks.id("tag value", value));
      return this;
    }

    /** Adds tags. */
    public Builder tags(Map<String, String> values) {
      if (!values.isEmpty()) {
        values.forEach(this::tag);
      }
      return this;
    }

    /** Builds and validates the event. */
    @CheckReturnValue
    public UsageEvent build() {
      return new UsageEvent(
          eventId,
          reservationId,
          time,
          status,
          subject,
          apiKey,
          providerKey,
          tenant,
          workflowId,
          sessionId,
          operation,
          provider,
          model,
          agent,
          tool,
          inputTokens,
          outputTokens,
          cachedInputTokens,
          cacheWriteTokens,
          characters,
          costMicros,
          estimatedTokens,
          errorCode,
          errorMessage,
          tags == null ? Map.of() : tags);
    }
  }
}
