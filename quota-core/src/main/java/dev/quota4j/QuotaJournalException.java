package dev.quota4j;

import org.jspecify.annotations.Nullable;

/**
 * The {@link UsageJournal} could not be written (a full disk, an I/O error) or opened (another
 * process holds it). The message names the file. When {@code commit}, {@code fail} or {@code
 * record} throws it in {@link FailMode#FAIL_OPEN}, the usage was not kept and is counted nowhere:
 * the reservation stays open, so the caller may try again or close it. The file stays readable: a
 * failed write is cut back to the last whole line.
 */
public class QuotaJournalException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /** With a message naming the journal file, and the cause. */
  public QuotaJournalException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
