package dev.quota4j.pricing;

import dev.quota4j.internal.Checks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Reads the text format of {@link PriceTable}. */
final class PriceTableFormat {
  private static final String AS_OF = "as-of:";

  private PriceTableFormat() {}

  /**
   * Reads a table, handing each price to {@code sink} as its line is read, and returns the as-of
   * date if the table gives one. An exception of the sink or the parser names the line.
   */
  static @Nullable LocalDate parse(InputStream in, String source, Consumer<ModelPrice> sink) {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()));
    LocalDate asOf = null;
    int number = 0;
    try {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#")) {
          continue;
        }
        String where = source + " line " + number;
        try {
          if (text.regionMatches(true, 0, AS_OF, 0, AS_OF.length())) {
            Checks.argument(asOf == null, "as-of", "must appear once", text);
            asOf = date("as-of", text.substring(AS_OF.length()).strip());
          } else {
            row(text).forEach(sink);
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source, e);
    }
    return asOf;
  }

  private static List<ModelPrice> row(String text) {
    String[] cells = text.split(",", -1);
    Checks.argument(
        cells.length == 5 || cells.length == 6,
        "a price row",
        "must have 5 cells (pattern(s), input, output, cached input, effective from) or 6 (with"
            + " cache write before effective from)",
        text);
    BigDecimal input = decimal("input", cells[1]);
    BigDecimal output = decimal("output", cells[2]);
    BigDecimal cached = decimal("cached input", cells[3]);
    BigDecimal cacheWrite = cells.length == 6 ? decimal("cache write", cells[4]) : input;
    LocalDate from = date("effective from", cells[cells.length - 1]);
    List<ModelPrice> out = new ArrayList<>();
    for (String pattern : cells[0].split("\\|", -1)) {
      out.add(new ModelPrice(pattern.strip(), input, output, cached, cacheWrite, from));
    }
    return out;
  }

  static BigDecimal decimal(String field, @Nullable String cell) {
    if (cell == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    String text = cell.strip();
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          field + " must be a decimal number, was " + Checks.show(text), e);
    }
  }

  private static LocalDate date(String field, String cell) {
    String text = cell.strip();
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          field + " must be a date like 2025-01-31, was " + Checks.show(text), e);
    }
  }
}
