package dev.quota4j.jdbc;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks whose messages name the field and the value, as quota-core's do. A copy of the
 * few that this module needs: quota-core keeps its own in a package it does not export.
 */
final class Args {
  /** Longest id, as in quota-core. */
  static final int MAX_ID_LENGTH = 255;

  private static final int MAX_SHOWN = 64;

  private Args() {}

  static String id(String field, @Nullable String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    if (value.isBlank() || value.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          field + " must be 1 to " + MAX_ID_LENGTH + " characters, not blank; was " + show(value));
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // a driver would store it as another character: two ids would become one
        throw new IllegalArgumentException(
            field + " must not contain an unpaired UTF-16 surrogate, was " + show(value));
      }
    }
    return value;
  }

  static void argument(boolean condition, String field, String requirement, Object value) {
    if (!condition) {
      throw new IllegalArgumentException(
          field + " " + requirement + ", was " + show(String.valueOf(value)));
    }
  }

  static long add(String field, long a, long b) {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          field + " overflows: " + a + " + " + b + " does not fit in a long", e);
    }
  }

  /**
   * Quotes a value for a message: control characters and unpaired surrogates escaped, long values
   * cut.
   */
  static String show(String value) {
    StringBuilder out = new StringBuilder().append('\'');
    for (int i = 0; i < value.length() && i < MAX_SHOWN; i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        out.append(c).append(value.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
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
