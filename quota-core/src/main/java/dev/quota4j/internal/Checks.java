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

  private static final int MAX_SHOWN = 64;

  private Checks() {}

  /** Fails, naming the field, when {@code value} is null. */
  public static <T> T notNull(String field, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must be set");
    }
    return value;
  }

  /** Fails unless {@code value} is a non-blank id of at most {@link #MAX_ID_LENGTH} characters. */
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
    return value;
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
   * Quotes a value for a message or a log line: control characters become escapes and long values
   * are cut, so a hostile id cannot forge a log line or flood a log.
   */
  public static String show(@Nullable String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8).append('\'');
    int shown = 0;
    for (int i = 0; i < value.length() && shown < MAX_SHOWN; i++, shown++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
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
