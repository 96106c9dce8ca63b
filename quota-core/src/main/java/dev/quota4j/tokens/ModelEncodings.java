package dev.quota4j.tokens;

import static dev.quota4j.tokens.TokenEncoding.CL100K_BASE;
import static dev.quota4j.tokens.TokenEncoding.O200K_BASE;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Which encoding tokenizes which model: a table of {@link ModelPattern}s, the most specific first.
 * Immutable and thread-safe.
 *
 * <p>{@link #openAi()} is the table of OpenAI's models; it does not rely on jtokkit's own model
 * lookup, which for example gives gpt-4.1 the encoding of gpt-4.
 *
 * <p>A name with a provider in front, such as {@code openai/gpt-4o} or {@code azure/gpt-35-turbo},
 * is looked up as written first and then by the part after its last slash, because a model's
 * tokenizer does not depend on who serves it.
 */
public final class ModelEncodings {

  private static final ModelEncodings OPEN_AI =
      builder()
          // o200k_base
          .map("gpt-4o*", O200K_BASE)
          .map("chatgpt-4o*", O200K_BASE)
          .map("gpt-4.1*", O200K_BASE)
          .map("gpt-4.5*", O200K_BASE)
          .map("o1*", O200K_BASE)
          .map("o3*", O200K_BASE)
          .map("o4-mini*", O200K_BASE)
          .map("gpt-5*", O200K_BASE)
          .map("gpt-oss*", O200K_BASE) // o200k_harmony: o200k_base plus special tokens only
          .map("ft:gpt-4o*", O200K_BASE)
          .map("ft:gpt-4.1*", O200K_BASE)
          // cl100k_base
          .map("gpt-4*", CL100K_BASE)
          .map("gpt-3.5-turbo*", CL100K_BASE)
          .map("gpt-3.5", CL100K_BASE)
          .map("gpt-35-turbo*", CL100K_BASE)
          .map("ft:gpt-4*", CL100K_BASE)
          .map("ft:gpt-3.5-turbo*", CL100K_BASE)
          .map("text-embedding-ada-002", CL100K_BASE)
          .map("text-embedding-3-*", CL100K_BASE)
          .map("davinci-002", CL100K_BASE)
          .map("babbage-002", CL100K_BASE)
          .map("ft:davinci-002*", CL100K_BASE)
          .map("ft:babbage-002*", CL100K_BASE)
          .build();

  private final PatternTable<TokenEncoding> table;

  private ModelEncodings(Map<ModelPattern, TokenEncoding> table) {
    this.table = new PatternTable<>(table);
  }

  /**
   * OpenAI's models: o200k_base for gpt-4o*, chatgpt-4o*, gpt-4.1*, gpt-4.5*, o1*, o3*, o4-mini*,
   * gpt-5*, gpt-oss* and the fine-tunes ft:gpt-4o* and ft:gpt-4.1*; cl100k_base for gpt-4*,
   * gpt-3.5-turbo*, gpt-35-turbo*, text-embedding-ada-002, text-embedding-3-*, davinci-002,
   * babbage-002 and their fine-tunes.
   */
  public static ModelEncodings openAi() {
    return OPEN_AI;
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts with this table's entries. */
  public Builder toBuilder() {
    Builder b = new Builder();
    for (int i = 0; i < table.patterns().size(); i++) {
      b.table.put(table.patterns().get(i), table.values().get(i));
    }
    return b;
  }

  /**
   * The encoding of {@code model}: the most specific matching pattern, tried on the whole name and
   * then on the part after its last slash; empty when no pattern matches.
   *
   * @throws IllegalArgumentException if {@code model} is null, blank or longer than 255 characters
   */
  public Optional<TokenEncoding> find(String model) {
    Checks.id("model", model);
    return Optional.ofNullable(table.find(model));
  }

  /** Like {@link #find} for a name that was already checked. */
  @Nullable TokenEncoding lookup(String model) {
    return table.find(model);
  }

  /** The table, most specific pattern first, as patterns written with their star. */
  public Map<String, TokenEncoding> asMap() {
    Map<String, TokenEncoding> out = new LinkedHashMap<>();
    for (int i = 0; i < table.patterns().size(); i++) {
      out.put(table.patterns().get(i).toString(), table.values().get(i));
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String toString() {
    return "ModelEncodings" + asMap();
  }

  /** Builds a {@link ModelEncodings}. Not thread-safe. */
  public static final class Builder {
    private final Map<ModelPattern, TokenEncoding> table =
        new TreeMap<>(ModelPattern.MOST_SPECIFIC_FIRST);

    private Builder() {}

    /**
     * Maps a pattern ({@code gpt-4o*} or an exact name) to an encoding, replacing any encoding the
     * same pattern had.
     */
    @CanIgnoreReturnValue
    public Builder map(String pattern, TokenEncoding encoding) {
      Checks.argument(encoding != null, "encoding", "must not be null", "null");
      table.put(ModelPattern.parse(pattern), encoding);
      return this;
    }

    /** Removes a pattern; does nothing if it is absent. */
    @CanIgnoreReturnValue
    public Builder remove(String pattern) {
      table.remove(ModelPattern.parse(pattern));
      return this;
    }

    /** The immutable table. */
    public ModelEncodings build() {
      return new ModelEncodings(table);
    }
  }
}
