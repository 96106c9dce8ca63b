package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import java.util.Comparator;
import java.util.Locale;

/**
 * A model name or a family of model names, as written in the encoding table and the price table:
 * {@code text-embedding-ada-002} names one model, {@code gpt-4o*} (a trailing star) names every
 * model whose name starts with {@code gpt-4o}.
 *
 * <p>Matching ignores case: names are compared in lower case ({@link Locale#ROOT}). When several
 * patterns match a name, the most specific wins: an exact name beats any prefix, and a longer
 * prefix beats a shorter one, so {@code gpt-4o-mini*} beats {@code gpt-4o*}, which beats {@code
 * gpt-4*}. The order in which patterns were added never matters.
 *
 * @param text the pattern without its star, in lower case
 * @param prefix whether the pattern names every model starting with {@code text}
 */
public record ModelPattern(String text, boolean prefix) {

  /** Most specific first: exact names, then prefixes from the longest to the shortest. */
  public static final Comparator<ModelPattern> MOST_SPECIFIC_FIRST =
      Comparator.comparing((ModelPattern p) -> p.prefix())
          .thenComparing(Comparator.comparingInt((ModelPattern p) -> p.text().length()).reversed())
          .thenComparing(ModelPattern::text);

  /** Validates the pattern and stores it in lower case. */
  public ModelPattern {
    Checks.id("model pattern", text);
    Checks.argument(
        text.indexOf('*') < 0, "model pattern", "may contain '*' only at its end", text);
    Checks.argument(
        text.strip().equals(text), "model pattern", "must not start or end with blanks", text);
    text = text.toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code gpt-4o*} (a prefix) or {@code text-embedding-ada-002} (one model).
   *
   * @throws IllegalArgumentException if the pattern is blank, too long, or has a star anywhere but
   *     at its end
   */
  public static ModelPattern parse(String pattern) {
    Checks.id("model pattern", pattern);
    if (pattern.endsWith("*")) {
      String text = pattern.substring(0, pattern.length() - 1);
      Checks.argument(!text.isEmpty(), "model pattern", "must have text before '*'", pattern);
      return new ModelPattern(text, true);
    }
    return new ModelPattern(pattern, false);
  }

  /** Whether {@code model} is this model or, for a prefix, starts with it; case is ignored. */
  public boolean matches(String model) {
    return matchesLowerCase(model.toLowerCase(Locale.ROOT), 0);
  }

  /** Like {@link #matches} for the part from {@code from} on of a name already in lower case. */
  boolean matchesLowerCase(String lowerCaseModel, int from) {
    return lowerCaseModel.startsWith(text, from)
        && (prefix || lowerCaseModel.length() - from == text.length());
  }

  /** The pattern as written: the text, followed by a star for a prefix. */
  @Override
  public String toString() {
    return prefix ? text + "*" : text;
  }
}
