package dev.quota4j.internal;

import java.math.BigDecimal;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks whose messages name the field and the offending value. Values are escaped so that
 * an id with control characters cannot forge a line in a log or an error message.
 */
public final class Checks {
  /** Longest id accepted for subjects, events, reservations, workflows and dimensions. */
  public static final int MAX_ID_LENGTH = 255;

  /**
   * Largest amount a caller may hand in: tokens, characters, cost in micro-units (10^15 micro-units
   * is 10^9 in money). Far beyond any real call; small enough that no single call's charge, nor an
   * estimate's sum of input and output, can overflow a long, and a counter would need thousands of
   * such calls to overflow. Published as {@code Usage.MAX_AMOUNT}.
   */
  public static final long MAX_AMOUNT = 1_000_000_000_000_000L;

  private static final int MAX_SHOWN = 64;

  private Checks() {}

  /** Fails, naming the field, when {@code value} is null. */
  public static <T> T notNull(String field, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must be set");
    }
    return value;
  }

  /**
   * Fails unless {@code value} is a non-blank id of at most {@link #MAX_ID_LENGTH} characters that
   * a store keeps exactly ({@link #text}).
   */
  public static String id(String field, @Nullable String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank, was " + show(value));
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          field
              + " must be at most "
              + MAX_ID_LENGTH
              + " characters, was "
              + value.length()
              + " characters: "
              + show(value));
    }
    return text(field, value);
  }

  /**
   * Fails when {@code value} holds an unpaired UTF-16 surrogate: a char from U+D800 to U+DFFF that
   * is not half of a valid pair. Such a string is not Unicode text; JDBC drivers and UTF-8 encoders
   * replace the surrogate ({@code ?} on PostgreSQL, another character on MariaDB), so two distinct
   * ids would be stored as one. Every other code point, U+0000 included, is kept exactly by every
   * store.
   */
  public static String text(String field, String value) {
    int at = unpairedSurrogate(value);
    if (at >= 0) {
      throw new IllegalArgumentException(
          field
              + " must not contain an unpaired UTF-16 surrogate ("
              + String.format(Locale.ROOT, "\\u%04x", (int) value.charAt(at))
              + " at index "
              + at
              + "), was "
              + show(value));
    }
    return value;
  }

  /** The index of the first unpaired surrogate of {@code value}, or -1. */
  static int unpairedSurrogate(String value) {
    for (int i = 0, n = value.length(); i < n; i++) {
      char c = value.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * {@code value} with each unpaired UTF-16 surrogate replaced by U+FFFD, the replacement
   * character: for free text (an error message), which is kept rather than refused. The same
   * instance when there is none.
   */
  public static String replaceUnpairedSurrogates(String value) {
    int at = unpairedSurrogate(value);
    if (at < 0) {
      return value;
    }
    char[] chars = value.toCharArray();
    for (int i = at; i < chars.length; i++) {
      if (Character.isHighSurrogate(chars[i])
          && i + 1 < chars.length
          && Character.isLowSurrogate(chars[i + 1])) {
        i++;
      } else if (Character.isSurrogate(chars[i])) {
        chars[i] = '\uFFFD';
      }
    }
    return new String(chars);
  }

  /** Like {@link #id} but null is allowed. */
  public static @Nullable String optionalId(String field, @Nullable String value) {
    return value == null ? null : id(field, value);
  }

  /** Fails when {@code value} is negative. */
  public static long nonNegative(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be zero or more, was " + value);
    }
    return value;
  }

  /** Fails unless {@code value} is from 0 to {@link #MAX_AMOUNT}. */
  public static long amount(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be zero or more, was " + value);
    }
    if (value > MAX_AMOUNT) {
      throw new IllegalArgumentException(
          field + " must be at most " + MAX_AMOUNT + " (Usage.MAX_AMOUNT), was " + value);
    }
    return value;
  }

  /** Fails unless {@code value} is positive. */
  public static long positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be greater than zero, was " + value);
    }
    return value;
  }

  /** Fails when {@code value} is negative. */
  public static BigDecimal nonNegative(String field, BigDecimal value) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException(
          field + " must be zero or more, was " + value.toPlainString());
    }
    return value;
  }

  /** Fails with a message naming the field when {@code condition} is false. */
  public static void argument(boolean condition, String field, String requirement, Object value) {
    if (!condition) {
      throw new IllegalArgumentException(
          field + " " + requirement + ", was " + show(String.valueOf(value)));
    }
  }

  /** Adds without overflow; names the field when the sum would not fit in a long. */
  public static long add(String field, long a, long b) {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          field + " overflows: " + a + " + " + b + " does not fit in a long", e);
    }
  }

  /**
   * Quotes a value for a message or a log line: control characters and unpaired surrogates become
   * escapes and long values are cut (never inside a surrogate pair), so a hostile id cannot forge a
   * log line or flood a log.
   */
  public static String show(@Nullable String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8).append('\'');
    int shown = 0;
    for (int i = 0; i < value.length() && shown < MAX_SHOWN; i++, shown++) {
      char c = value.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < value.length()
            && Character.isLowSurrogate(value.charAt(i + 1))) {
          out.append(c).append(value.charAt(++i)); // a pair: one character
        } else {
          out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        }
      } else if (c == '\'' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('\'');
    if (value.length() > MAX_SHOWN) {
      out.append("...(").append(value.length()).append(" chars)");
    }
    return out.toString();
  }
}
