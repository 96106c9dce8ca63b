package dev.quota4j.tokens;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts tokens with jtokkit, the Java port of OpenAI's tiktoken. Immutable and thread-safe; all
 * counters share one lazily loaded set of encodings (see {@link TokenEncoding}).
 *
 * <p>A model name is resolved in this order:
 *
 * <ol>
 *   <li>the {@link ModelEncodings} table ({@link ModelEncodings#openAi()} unless replaced): the
 *       text is counted exactly, as tiktoken's {@code encode_ordinary} would;
 *   <li>the approximations: by default {@code claude-*}, {@code llama-*}, {@code mixtral-*} and
 *       {@code gemini-*} are counted by {@link ApproximateTokenCounter#nonOpenAiDefault()}
 *       (cl100k_base tokens plus 25 %, rounded up), which a caller replaces with its own counter;
 *   <li>anything else is counted with the default encoding (o200k_base unless replaced), and the
 *       listener hears {@link TokenCounterListener#unknownModel} once for that name. The default
 *       listener logs a warning naming the model.
 * </ol>
 *
 * <p>In both tables the most specific pattern wins and case is ignored; a name with a provider in
 * front ({@code meta-llama/Llama-3.3-70B-Instruct}) is also tried without it. Prompt text never
 * appears in an exception or a log line.
 */
public final class JtokkitTokenCounter implements TokenCounter {
  /** How many distinct unknown model names a counter remembers to report each only once. */
  static final int REMEMBERED_UNKNOWN_MODELS = 1_024;

  private static final Logger LOG = LoggerFactory.getLogger(JtokkitTokenCounter.class);

  private static final TokenCounterListener LOG_UNKNOWN_MODELS =
      (model, fallback) ->
          LOG.warn(
              "No tokenizer is known for model {}; its text is counted with {}",
              Checks.show(model),
              fallback.encodingName());

  private static final Map<TokenEncoding, TokenCounter> BY_ENCODING = byEncoding();

  private static final JtokkitTokenCounter OPEN_AI = builder().build();

  private final ModelEncodings encodings;
  private final PatternTable<TokenCounter> approximations;
  private final TokenEncoding defaultEncoding;
  private final TokenCounterListener listener;
  private final Set<String> reportedUnknown = ConcurrentHashMap.newKeySet();

  private JtokkitTokenCounter(Builder b) {
    this.encodings = b.encodings;
    this.approximations = new PatternTable<>(b.approximations);
    this.defaultEncoding = b.defaultEncoding;
    this.listener = b.listener;
  }

  /** One counter per encoding. */
  private static Map<TokenEncoding, TokenCounter> byEncoding() {
    Map<TokenEncoding, TokenCounter> counters = new EnumMap<>(TokenEncoding.class);
    for (TokenEncoding e : TokenEncoding.values()) {
      counters.put(e, (text, model) -> e.count(text));
    }
    return Collections.unmodifiableMap(counters);
  }

  private static TokenCounter counterOf(TokenEncoding encoding) {
    return Objects.requireNonNull(BY_ENCODING.get(encoding));
  }

  /**
   * The shared counter with the defaults: {@link ModelEncodings#openAi()}, the default
   * approximations, o200k_base for unknown names, unknown names logged.
   */
  public static JtokkitTokenCounter openAi() {
    return OPEN_AI;
  }

  /** A builder starting from the defaults of {@link #openAi()}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public long count(String text, String model) {
    TokenEncoding.checkText(text);
    Checks.id("model", model);
    return route(model).count(text, model);
  }

  @Override
  public long countMessages(List<ChatMessage> messages, String model) {
    Checks.id("model", model);
    TokenCounter target = route(model);
    return target.countMessages(messages, model);
  }

  /**
   * The encoding this counter uses for {@code model}: the table's, or the default encoding for an
   * unknown name; empty when the model is counted by an approximation. Does not notify the
   * listener.
   *
   * @throws IllegalArgumentException if {@code model} is not a valid id
   */
  public Optional<TokenEncoding> encodingFor(String model) {
    Checks.id("model", model);
    TokenEncoding e = encodings.lookup(model);
    if (e != null) {
      return Optional.of(e);
    }
    return approximations.find(model) != null ? Optional.empty() : Optional.of(defaultEncoding);
  }

  /** The encoding used for model names that no table knows. */
  public TokenEncoding defaultEncoding() {
    return defaultEncoding;
  }

  private TokenCounter route(String model) {
    TokenEncoding e = encodings.lookup(model);
    if (e != null) {
      return counterOf(e);
    }
    TokenCounter approximation = approximations.find(model);
    if (approximation != null) {
      return approximation;
    }
    reportUnknown(model);
    return counterOf(defaultEncoding);
  }

  private void reportUnknown(String model) {
    boolean first =
        reportedUnknown.size() < REMEMBERED_UNKNOWN_MODELS
            ? reportedUnknown.add(model)
            : !reportedUnknown.contains(model);
    if (!first) {
      return;
    }
    try {
      listener.unknownModel(model, defaultEncoding);
    } catch (RuntimeException e) {
      LOG.warn("Token counter listener failed for model {}", Checks.show(model), e);
    }
  }

  @Override
  public String toString() {
    return "JtokkitTokenCounter[default=" + defaultEncoding.encodingName() + "]";
  }

  /** Builds a {@link JtokkitTokenCounter}. Not thread-safe. */
  public static final class Builder {
    private ModelEncodings encodings = ModelEncodings.openAi();
    private final Map<ModelPattern, TokenCounter> approximations =
        new TreeMap<>(ModelPattern.MOST_SPECIFIC_FIRST);
    private TokenEncoding defaultEncoding = TokenEncoding.O200K_BASE;
    private TokenCounterListener listener = LOG_UNKNOWN_MODELS;

    private Builder() {
      for (String family : new String[] {"claude-*", "llama-*", "mixtral-*", "gemini-*"}) {
        approximations.put(ModelPattern.parse(family), ApproximateTokenCounter.nonOpenAiDefault());
      }
    }

    /** The model → encoding table. Default: {@link ModelEncodings#openAi()}. */
    @CanIgnoreReturnValue
    public Builder encodings(ModelEncodings encodings) {
      Checks.argument(encodings != null, "encodings", "must not be null", "null");
      this.encodings = encodings;
      return this;
    }

    /** The encoding of model names no table knows. Default: o200k_base. */
    @CanIgnoreReturnValue
    public Builder defaultEncoding(TokenEncoding encoding) {
      Checks.argument(encoding != null, "defaultEncoding", "must not be null", "null");
      this.defaultEncoding = encoding;
      return this;
    }

    /**
     * Counts the models matching {@code pattern} (for example {@code claude-*}) with {@code
     * counter}, replacing the counter the pattern had. The encoding table still wins for names it
     * knows.
     */
    @CanIgnoreReturnValue
    public Builder approximate(String pattern, TokenCounter counter) {
      Checks.argument(counter != null, "counter", "must not be null", "null");
      approximations.put(ModelPattern.parse(pattern), counter);
      return this;
    }

    /** Removes every approximation, the defaults included: such names count as unknown. */
    @CanIgnoreReturnValue
    public Builder noApproximations() {
      approximations.clear();
      return this;
    }

    /** Who hears about unknown model names. Default: a warning in the log. */
    @CanIgnoreReturnValue
    public Builder listener(TokenCounterListener listener) {
      Checks.argument(listener != null, "listener", "must not be null", "null");
      this.listener = listener;
      return this;
    }

    /** The counter. */
    public JtokkitTokenCounter build() {
      return new JtokkitTokenCounter(this);
    }
  }
}
