package dev.quota4j;

import org.jspecify.annotations.Nullable;

/**
 * The store could not be reached or did not answer. Never a denial: nothing was charged. In {@link
 * FailMode#FAIL_CLOSED} this reaches the caller.
 */
public class QuotaStoreUnavailableException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /** With a message and the cause from the store. */
  public QuotaStoreUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
