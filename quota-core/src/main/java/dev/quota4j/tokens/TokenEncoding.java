package dev.quota4j.tokens;

import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.quota4j.internal.Checks;
import java.util.Locale;
import java.util.Optional;

/**
 * The byte-pair encodings of OpenAI's current models, as published with tiktoken and implemented by
 * jtokkit.
 *
 * <p>An encoding's vocabulary is loaded on first use, one encoding at a time, into one registry
 * shared by every counter in the JVM; loading takes a fraction of a second and some megabytes of
 * heap (see {@code BENCHMARKS.md}). All methods are thread-safe.
 *
 * <p>Text is always encoded as ordinary text: a special-token string such as {@code <|endoftext|>}
 * in the text is counted as the characters it is made of, the way an API counts a user's prompt,
 * and never raises an exception. A lone surrogate (half of a UTF-16 pair, as a string cut inside an
 * emoji has) is encoded as U+FFFD, as tiktoken does; jtokkit alone would encode it differently in
 * each encoding.
 */
public enum TokenEncoding {
  /** The encoding of gpt-4, gpt-3.5-turbo and the text-embedding-3 and ada-002 models. */
  CL100K_BASE("cl100k_base"),
  /** The encoding of gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the o-series reasoning models. */
  O200K_BASE("o200k_base");

  static { // before any method touches a jtokkit class: on the module path, this module must read
    // it
    JtokkitModule.ensureReadable();
  }

  private final String name;

  TokenEncoding(String name) {
    this.name = name;
  }

  EncodingType type() {
    return JtokkitModule.type(this);
  }

  /** The name tiktoken gives this encoding, for example {@code o200k_base}. */
  public String encodingName() {
    return name;
  }

  /** The encoding named {@code name} ({@code cl100k_base} or {@code o200k_base}), case ignored. */
  public static Optional<TokenEncoding> byName(String name) {
    Checks.argument(name != null, "encoding name", "must not be null", "null");
    String lower = name.toLowerCase(Locale.ROOT);
    for (TokenEncoding e : values()) {
      if (e.encodingName().equals(lower)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The number of tokens of {@code text}. */
  public long count(String text) {
    checkText(text);
    return SharedEncodings.get(this).countTokensOrdinary(replaceLoneSurrogates(text));
  }

  /** The token ids of {@code text}, as tiktoken's {@code encode_ordinary} returns them. */
  public int[] encode(String text) {
    checkText(text);
    return SharedEncodings.get(this).encodeOrdinary(replaceLoneSurrogates(text)).toArray();
  }

  /**
   * The text of {@code tokens}. Bytes that do not form valid UTF-8 (a token list cut inside a
   * character) become U+FFFD.
   *
   * @throws IllegalArgumentException if a token id is not in this encoding's vocabulary
   */
  public String decode(int[] tokens) {
    Checks.argument(tokens != null, "tokens", "must not be null", "null");
    IntArrayList list = new IntArrayList(tokens.length);
    for (int i = 0; i < tokens.length; i++) {
      int token = tokens[i];
      Checks.argument(
          token >= 0, "tokens[" + i + "]", "must be a token id of " + encodingName(), token);
      list.add(token);
    }
    try {
      return SharedEncodings.get(this).decode(list);
    } catch (RuntimeException e) { // jtokkit 1.1 throws NullPointerException for an unknown id
      throw new IllegalArgumentException(
          "tokens must all be token ids of " + encodingName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code text} with every unpaired surrogate replaced by U+FFFD; {@code text} itself when it has
   * none, which costs one scan and no copy.
   */
  static String replaceLoneSurrogates(String text) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++; // a valid pair
        } else {
          return replaceFrom(text, i);
        }
      }
    }
    return text;
  }

  private static String replaceFrom(String text, int start) {
    int n = text.length();
    StringBuilder out = new StringBuilder(n).append(text, 0, start);
    for (int i = start; i < n; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static void checkText(String text) {
    Checks.argument(text != null, "text", "must not be null", "null");
  }
}
