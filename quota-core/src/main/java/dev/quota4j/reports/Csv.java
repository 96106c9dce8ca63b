package dev.quota4j.reports;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes report rows as CSV by RFC 4180: fields separated by commas, records ended by CRLF, a field
 * quoted when it holds a comma, a double quote, CR or LF (or starts or ends with a space), with
 * double quotes doubled inside. {@link #parse} reads it back exactly, so ids holding any of those
 * characters survive the round trip.
 *
 * <pre>{@code
 * String csv = Csv.toString(SubjectDay.HEADER, reports.dailyBySubject(from, to));
 * }</pre>
 */
public final class Csv {
  private Csv() {}

  /** The header and then one record per row, as one string. */
  public static String toString(List<String> header, List<? extends ReportRow> rows) {
    StringBuilder out = new StringBuilder();
    write(out, header, rows);
    return out.toString();
  }

  /** Writes the header and then one record per row. */
  public static void write(Appendable out, List<String> header, List<? extends ReportRow> rows) {
    try {
      record(out, header);
      for (ReportRow r : rows) {
        List<String> values = r.csvValues();
        Checks.argument(
            values.size() == header.size(),
            "rows",
            "must have " + header.size() + " values each",
            values.size());
        record(out, values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write CSV", e);
    }
  }

  /**
   * Writes the header and then one record per row as the stream hands them over, holding none of
   * them: for exports of any size. Does not close the stream.
   *
   * <pre>{@code
   * try (Stream<SubjectDay> rows = reports.streamDailyBySubject(from, to)) {
   *   Csv.write(writer, SubjectDay.HEADER, rows);
   * }
   * }</pre>
   *
   * @return the number of rows written
   */
  @CanIgnoreReturnValue
  public static long write(Appendable out, List<String> header, Stream<? extends ReportRow> rows) {
    try {
      record(out, header);
      long n = 0;
      for (Iterator<? extends ReportRow> it = rows.iterator(); it.hasNext(); ) {
        List<String> values = it.next().csvValues();
        Checks.argument(
            values.size() == header.size(),
            "rows",
            "must have " + header.size() + " values each",
            values.size());
        record(out, values);
        n++;
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write CSV", e);
    }
  }

  private static void record(Appendable out, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(field(fields.get(i)));
    }
    out.append("\r\n");
  }

  /** One field, quoted when it must be. */
  public static String field(String value) {
    boolean quote =
        !value.isEmpty()
            && (value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\r') >= 0
                || value.indexOf('\n') >= 0
                || value.charAt(0) == ' '
                || value.charAt(value.length() - 1) == ' ');
    return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }

  /**
   * Reads CSV as written by {@link #write}: a list of records, each a list of fields. Accepts CRLF
   * or LF between records.
   *
   * @throws IllegalArgumentException naming the offset of a malformed quoted field
   */
  public static List<List<String>> parse(CharSequence csv) {
    List<List<String>> records = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    int i = 0;
    int n = csv.length();
    boolean pending = false;
    while (i < n) {
      char c = csv.charAt(i);
      if (c == '"' && f.length() == 0) {
        int start = i++;
        while (true) {
          Checks.argument(i < n, "csv", "has an unterminated quoted field at offset " + start, n);
          char q = csv.charAt(i++);
          if (q == '"') {
            if (i < n && csv.charAt(i) == '"') {
              f.append('"');
              i++;
            } else {
              break;
            }
          } else {
            f.append(q);
          }
        }
        pending = true;
        continue;
      }
      if (c == ',') {
        fields.add(f.toString());
        f.setLength(0);
        pending = true;
        i++;
      } else if (c == '\r' || c == '\n') {
        fields.add(f.toString());
        f.setLength(0);
        records.add(fields);
        fields = new ArrayList<>();
        pending = false;
        i += c == '\r' && i + 1 < n && csv.charAt(i + 1) == '\n' ? 2 : 1;
      } else {
        f.append(c);
        pending = true;
        i++;
      }
    }
    if (pending || f.length() > 0 || !fields.isEmpty()) {
      fields.add(f.toString());
      records.add(fields);
    }
    return records;
  }
}
