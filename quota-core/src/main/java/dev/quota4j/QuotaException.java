package dev.quota4j;

import org.jspecify.annotations.Nullable;

/** Root of every exception quota4j throws on purpose. Messages never carry prompt text. */
public class QuotaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message. */
  public QuotaException(String message) {
    super(message);
  }

  /** With a message and a cause. */
  public QuotaException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
