package dev.quota4j.reports;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a report: its rows, in the report's order, and the cursor of the next page.
 *
 * <p>A page may hold fewer rows than asked for, even none, and still have a next page: the cursor
 * is the only sign that more may follow. Paging from the first page to the last hands out every row
 * that existed when paging began exactly once; a row that appears meanwhile (a subject's first
 * event, a new day) is handed out when it falls after the cursor. The figures of a row are read
 * when its page is read.
 *
 * @param rows the rows of this page
 * @param next an opaque cursor for {@link PageRequest#after(String)}; null on the last page
 * @param <R> the row type
 */
public record Page<R>(List<R> rows, @Nullable String next) {
  /** Copies the rows. */
  public Page {
    rows = List.copyOf(rows);
  }

  /** Whether another page may follow. */
  public boolean hasNext() {
    return next != null;
  }
}
