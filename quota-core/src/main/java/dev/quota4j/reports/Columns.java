package dev.quota4j.reports;

import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The columns of one report row type, declared once: each has a name and reads its value from a
 * row. The CSV header ({@link #names}) and every row's values ({@link #values}) come from the same
 * list, so they cannot drift apart. Values are plain text: a missing value is an empty field, a
 * {@link BigDecimal} is written without an exponent, anything else by its {@code toString()}
 * (ISO-8601 for instants and dates).
 *
 * <pre>{@code
 * static final Columns<DayUsage> COLUMNS =
 *     Columns.of(DayUsage.class).add("day", DayUsage::day).add("calls", DayUsage::calls);
 * }</pre>
 *
 * <p>Immutable: {@link #add} returns a new list.
 *
 * @param <R> the row type
 */
public final class Columns<R> {
  /**
   * Reads one column's value from a row.
   *
   * @param <R> the row type
   */
  @FunctionalInterface
  public interface Getter<R> {
    /** The value; null for an empty field. */
    @Nullable Object get(R row);
  }

  private final Class<R> type;
  private final List<String> names;
  private final List<Getter<R>> getters;

  private Columns(Class<R> type, List<String> names, List<Getter<R>> getters) {
    this.type = type;
    this.names = List.copyOf(names);
    this.getters = List.copyOf(getters);
  }

  /** No columns yet, for rows of {@code type}. */
  public static <R> Columns<R> of(Class<R> type) {
    return new Columns<>(Checks.notNull("type", type), List.of(), List.of());
  }

  /** These columns and then one more. */
  public Columns<R> add(String name, Getter<R> getter) {
    Checks.argument(!name.isBlank(), "name", "must not be blank", name);
    Checks.argument(!names.contains(name), "name", "must not repeat a column", name);
    List<String> n = new ArrayList<>(names);
    n.add(name);
    List<Getter<R>> g = new ArrayList<>(getters);
    g.add(Checks.notNull("getter", getter));
    return new Columns<>(type, n, g);
  }

  /** The column names, in order: the CSV header. */
  public List<String> names() {
    return names;
  }

  /** One row's values, in the order of {@link #names}: a CSV record. */
  public List<String> values(R row) {
    List<String> out = new ArrayList<>(getters.size());
    for (Getter<R> g : getters) {
      out.add(text(g.get(row)));
    }
    return out;
  }

  /** {@link #values} of a row known to be of this type (for {@link ReportRow}). */
  List<String> valuesOf(Object row) {
    return values(type.cast(row));
  }

  private static String text(@Nullable Object o) {
    if (o == null) {
      return "";
    }
    if (o instanceof BigDecimal b) {
      return b.toPlainString();
    }
    return o.toString();
  }
}
