package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One call to admit: who is charged, its dimensions and its estimate. Built with {@link
 * #forUser(String)} and friends. The prompt text, if given, is used only to count tokens and
 * characters; it is never stored, logged or shown by {@link #toString()}.
 *
 * <p>Ids and names must be Unicode text (no unpaired UTF-16 surrogate); amounts are zero to {@link
 * Usage#MAX_AMOUNT}. Anything else is refused with an {@link IllegalArgumentException} naming the
 * field, before any store call.
 */
public final class UsageRequest {
  /** Not given. */
  public static final long UNKNOWN = -1;

  private final SubjectRef subject;
  private final @Nullable String apiKey;
  private final @Nullable String providerKey;
  private final @Nullable String tenant;
  private final @Nullable String provider;
  private final @Nullable String model;
  private final @Nullable String operation;
  private final @Nullable String agent;
  private final @Nullable String tool;
  private final @Nullable String workflowId;
  private final @Nullable String sessionId;
  private final Map<String, String> tags;
  private final long inputTokens;
  private final long maxOutputTokens;
  private final long characters;
  private final @Nullable BigDecimal estimatedCost;
  private final @Nullable String prompt;

  private UsageRequest(Builder b) {
    this.subject = b.subject;
    Checks.argument(
        subject.kind() != SubjectKind.SYSTEM && subject.kind() != SubjectKind.WORKFLOW,
        "subject",
        "must be a user, anonymous session, API key, provider key or tenant",
        subject);
    this.apiKey = Checks.optionalId("apiKey", b.apiKey);
    this.providerKey = Checks.optionalId("providerKey", b.providerKey);
    this.tenant = Checks.optionalId("tenant", b.tenant);
    this.provider = Checks.optionalId("provider", b.provider);
    this.model = Checks.optionalId("model", b.model);
    this.operation = Checks.optionalId("operation", b.operation);
    this.agent = Checks.optionalId("agent", b.agent);
    this.tool = Checks.optionalId("tool", b.tool);
    this.workflowId = Checks.optionalId("workflowId", b.workflowId);
    this.sessionId = Checks.optionalId("sessionId", b.sessionId);
    this.tags = b.tags == null ? Map.of() : Map.copyOf(b.tags);
    this.inputTokens = b.inputTokens;
    this.maxOutputTokens = b.maxOutputTokens;
    this.characters = b.characters;
    this.estimatedCost = b.estimatedCost;
    this.prompt = b.prompt;
    // each amount is at most Usage.MAX_AMOUNT, so that no sum of them overflows a counter
    if (inputTokens != UNKNOWN) {
      Checks.amount("inputTokens", inputTokens);
    }
    if (maxOutputTokens != UNKNOWN) {
      Checks.amount("maxOutputTokens", maxOutputTokens);
    }
    if (characters != UNKNOWN) {
      Checks.amount("characters", characters);
    }
    if (estimatedCost != null) {
      var unused = Money.amountToMicros("estimatedCost", estimatedCost);
    }
  }

  /** A request charged to a signed-in user. */
  public static Builder forUser(String userId) {
    return new Builder(SubjectRef.user(userId));
  }

  /** A request charged to an anonymous session. */
  public static Builder forAnonymous(String sessionId) {
    return new Builder(SubjectRef.anonymous(sessionId));
  }

  /** A request charged to an API key alone. */
  public static Builder forApiKey(String apiKey) {
    return new Builder(SubjectRef.apiKey(apiKey));
  }

  /** A request charged to any subject. */
  public static Builder forSubject(SubjectRef subject) {
    return new Builder(subject);
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder(subject);
    b.apiKey = apiKey;
    b.providerKey = providerKey;
    b.tenant = tenant;
    b.provider = provider;
    b.model = model;
    b.operation = operation;
    b.agent = agent;
    b.tool = tool;
    b.workflowId = workflowId;
    b.sessionId = sessionId;
    if (!tags.isEmpty()) {
      b.tags = new TreeMap<>(tags);
    }
    b.inputTokens = inputTokens;
    b.maxOutputTokens = maxOutputTokens;
    b.characters = characters;
    b.estimatedCost = estimatedCost;
    b.prompt = prompt;
    return b;
  }

  /** The primary subject: the user, anonymous session, API key, provider key or tenant charged. */
  public SubjectRef subject() {
    return subject;
  }

  /** The API key named, if any. */
  public @Nullable String apiKey() {
    return apiKey;
  }

  /** The provider key named, if any. */
  public @Nullable String providerKey() {
    return providerKey;
  }

  /** The tenant named, if any. */
  public @Nullable String tenant() {
    return tenant;
  }

  /** The provider, if any. */
  public @Nullable String provider() {
    return provider;
  }

  /** The model asked for, if any. */
  public @Nullable String model() {
    return model;
  }

  /** The operation, if any. */
  public @Nullable String operation() {
    return operation;
  }

  /** The agent, if any. */
  public @Nullable String agent() {
    return agent;
  }

  /** The tool, if any. */
  public @Nullable String tool() {
    return tool;
  }

  /** The workflow, if any. */
  public @Nullable String workflowId() {
    return workflowId;
  }

  /** The session, if any. */
  public @Nullable String sessionId() {
    return sessionId;
  }

  /** Free tags. */
  public Map<String, String> tags() {
    return tags;
  }

  /** Estimated input tokens, or {@link #UNKNOWN}. */
  public long inputTokens() {
    return inputTokens;
  }

  /** Maximum output tokens, or {@link #UNKNOWN}. */
  public long maxOutputTokens() {
    return maxOutputTokens;
  }

  /** Characters to send, or {@link #UNKNOWN}. */
  public long characters() {
    return characters;
  }

  /** The estimated cost, if given. */
  public @Nullable BigDecimal estimatedCost() {
    return estimatedCost;
  }

  /** The prompt text to count, if given. Never logged or stored. */
  public @Nullable String prompt() {
    return prompt;
  }

  @Override
  public String toString() {
    return "UsageRequest{subject="
        + subject
        + (operation != null ? ", operation=" + Checks.show(operation) : "")
        + (model != null ? ", model=" + Checks.show(model) : "")
        + (workflowId != null ? ", workflow=" + Checks.show(workflowId) : "")
        + ", inputTokens="
        + inputTokens
        + ", maxOutputTokens="
        + maxOutputTokens
        + "}";
  }

  /** Builds a {@link UsageRequest}. */
  public static final class Builder {
    private final SubjectRef subject;
    private @Nullable String apiKey;
    private @Nullable String providerKey;
    private @Nullable String tenant;
    private @Nullable String provider;
    private @Nullable String model;
    private @Nullable String operation;
    private @Nullable String agent;
    private @Nullable String tool;
    private @Nullable String workflowId;
    private @Nullable String sessionId;
    private @Nullable TreeMap<String, String> tags; // created by the first tag
    private long inputTokens = UNKNOWN;
    private long maxOutputTokens = UNKNOWN;
    private long characters = UNKNOWN;
    private @Nullable BigDecimal estimatedCost;
    private @Nullable String prompt;

    private Builder(SubjectRef subject) {
      this.subject = subject;
    }

    /** Also charges this API key. */
    @CanIgnoreReturnValue
    public Builder apiKey(String id) {
      apiKey = id;
      return this;
    }

    /** Also charges this provider key (an upstream credential). */
    @CanIgnoreReturnValue
    public Builder providerKey(String id) {
      providerKey = id;
      return this;
    }

    /** Also charges this tenant. */
    @CanIgnoreReturnValue
    public Builder tenant(String id) {
      tenant = id;
      return this;
    }

    /** The provider, such as {@code openai}. */
    @CanIgnoreReturnValue
    public Builder provider(String name) {
      provider = name;
      return this;
    }

    /** The model, such as {@code gpt-4o}. */
    @CanIgnoreReturnValue
    public Builder model(String name) {
      model = name;
      return this;
    }

    /** The operation, such as {@code planning}. */
    @CanIgnoreReturnValue
    public Builder operation(String name) {
      operation = name;
      return this;
    }

    /** The agent making the call. */
    @CanIgnoreReturnValue
    public Builder agent(String name) {
      agent = name;
      return this;
    }

    /** The tool the call serves. */
    @CanIgnoreReturnValue
    public Builder tool(String name) {
      tool = name;
      return this;
    }

    /** The workflow the call is a step of. */
    @CanIgnoreReturnValue
    public Builder workflow(String id) {
      workflowId = id;
      return this;
    }

    /** The session the call belongs to. */
    @CanIgnoreReturnValue
    public Builder session(String id) {
      sessionId = id;
      return this;
    }

    /** A free tag. */
    @CanIgnoreReturnValue
    public Builder tag(String key, String value) {
      TreeMap<String, String> t = tags;
      if (t == null) {
        t = new TreeMap<>();
        tags = t;
      }
      t.put(Checks.id("tag key", key), Checks.id("tag value", value));
      return this;
    }

    /** Estimated input tokens and the most output tokens the call may produce. */
    @CanIgnoreReturnValue
    public Builder estimatedTokens(long input, long maxOutput) {
      inputTokens = Checks.amount("inputTokens", input);
      maxOutputTokens = Checks.amount("maxOutputTokens", maxOutput);
      prompt = null; // counted tokens replace a prompt given earlier
      return this;
    }

    /**
     * A prompt whose tokens the manager counts with its token counter, and the most output tokens
     * the call may produce. The text is not kept after admission.
     */
    @CanIgnoreReturnValue
    public Builder estimatedTokens(String promptText, long maxOutput) {
      prompt = promptText;
      inputTokens = UNKNOWN; // counted from the prompt at admission
      maxOutputTokens = Checks.amount("maxOutputTokens", maxOutput);
      return this;
    }

    /** The most output tokens the call may produce. */
    @CanIgnoreReturnValue
    public Builder maxOutputTokens(long maxOutput) {
      maxOutputTokens = Checks.amount("maxOutputTokens", maxOutput);
      return this;
    }

    /** Characters to send; default: the prompt's code points, if a prompt is given. */
    @CanIgnoreReturnValue
    public Builder characters(long count) {
      characters = Checks.amount("characters", count);
      return this;
    }

    /** The estimated cost; default: priced from the token estimate. */
    @CanIgnoreReturnValue
    public Builder estimatedCost(BigDecimal cost) {
      estimatedCost = cost;
      return this;
    }

    /** Builds and validates the request. */
    public UsageRequest build() {
      return new UsageRequest(this);
    }
  }
}
