package dev.quota4j.reports;

import dev.quota4j.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Which page of a report to read: its size and the cursor that the previous page returned (none:
 * the first page).
 *
 * <pre>{@code
 * Page<SubjectDay> page = reports.dailyBySubject(from, to, PageRequest.first());
 * while (page.next() != null) {
 *   page = reports.dailyBySubject(from, to, PageRequest.after(page.next()));
 * }
 * }</pre>
 *
 * @param size the most rows on the page, 1 to {@value #MAX_SIZE}
 * @param cursor {@link Page#next()} of the previous page of the same report and range; null for the
 *     first page
 */
public record PageRequest(int size, @Nullable String cursor) {
  /** The page size when none is given. */
  public static final int DEFAULT_SIZE = 100;

  /** The largest page size. */
  public static final int MAX_SIZE = 10_000;

  /** Validates the size and the cursor's form (its contents are checked by the report). */
  public PageRequest {
    Checks.argument(size >= 1 && size <= MAX_SIZE, "size", "must be 1 to " + MAX_SIZE, size);
    if (cursor != null) {
      Checks.argument(!cursor.isBlank(), "cursor", "must not be blank", cursor);
    }
  }

  /** The first page, of {@value #DEFAULT_SIZE} rows. */
  public static PageRequest first() {
    return new PageRequest(DEFAULT_SIZE, null);
  }

  /** The first page, of {@code size} rows. */
  public static PageRequest first(int size) {
    return new PageRequest(size, null);
  }

  /** The page after the one that returned {@code cursor}, of {@value #DEFAULT_SIZE} rows. */
  public static PageRequest after(String cursor) {
    return new PageRequest(DEFAULT_SIZE, Checks.notNull("cursor", cursor));
  }

  /** The page after the one that returned {@code cursor}, of {@code size} rows. */
  public static PageRequest after(String cursor, int size) {
    return new PageRequest(size, Checks.notNull("cursor", cursor));
  }
}
