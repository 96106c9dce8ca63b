package dev.quota4j.reports;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.QuotaStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Pages and streams of a report whose rows are grouped by subject, read a range of subjects at a
 * time: the store names the next subjects by keyset ({@link QuotaStore#subjectIds}: kind, then id,
 * after the last one read), and the report reads only their rows ({@link
 * AggregateQuery#forSubjectIds}). No read skips rows by counting them, so a page deep in the range
 * costs what the first one costs.
 *
 * <p>The cursor names the report, its range and kind, the last subject whose rows were all handed
 * out and, when a page ended inside a subject's rows, that subject and the keys of its rows already
 * handed out (at most the rows of one subject). A subject's rows are read again from its start when
 * a page resumes inside it, so a row is handed out once even when the rows of a subject change
 * order between pages (an operation overtaking another by tokens).
 *
 * @param <R> the row type
 */
final class SubjectPager<R> {
  /** Reads the rows of the subjects a query selects, in the report's order. */
  @FunctionalInterface
  interface Reader<R> {
    List<R> read(UnaryOperator<AggregateQuery> scope);
  }

  /** Subjects read at a time by a stream. */
  static final int STREAM_SUBJECTS = 256;

  /** The most subjects one read of a page takes. */
  static final int MAX_BATCH = 1_000;

  private static final int VERSION = 1;

  private final QuotaStore store;
  private final String report;
  private final Instant from;
  private final Instant to;
  private final @Nullable SubjectKind kind;
  private final Reader<R> reader;
  private final Function<R, SubjectRef> subjectOf;
  private final Function<R, String> keyOf;

  SubjectPager(
      QuotaStore store,
      String report,
      Instant from,
      Instant to,
      @Nullable SubjectKind kind,
      Reader<R> reader,
      Function<R, SubjectRef> subjectOf,
      Function<R, String> keyOf) {
    this.store = store;
    this.report = report;
    this.from = from;
    this.to = to;
    this.kind = kind;
    this.reader = reader;
    this.subjectOf = subjectOf;
    this.keyOf = keyOf;
  }

  private List<SubjectKind> kinds() {
    return kind == null ? List.of(SubjectKind.values()) : List.of(kind);
  }

  /** Where a page starts: the kind, the last subject done, a subject begun and its keys done. */
  private record Position(
      int kindIndex, @Nullable String afterId, @Nullable String partialId, Set<String> doneKeys) {}

  Page<R> page(PageRequest request) {
    Position p = request.cursor() == null ? new Position(0, null, null, Set.of()) : decode(request);
    List<SubjectKind> kinds = kinds();
    int size = request.size();
    List<R> out = new ArrayList<>(Math.min(size, 1_024));
    int k = p.kindIndex();
    String afterId = p.afterId();
    String partialId = p.partialId();
    if (partialId != null && k < kinds.size()) {
      SubjectRef s = new SubjectRef(kinds.get(k), partialId);
      Set<String> done = new HashSet<>(p.doneKeys());
      List<R> rest = new ArrayList<>();
      for (R r : reader.read(q -> q.forSubjectKind(s.kind()).forSubject(s))) {
        if (subjectOf.apply(r).equals(s) && !done.contains(keyOf.apply(r))) {
          rest.add(r);
        }
      }
      if (rest.size() > size) {
        for (R r : rest.subList(0, size)) {
          out.add(r);
          done.add(keyOf.apply(r));
        }
        return new Page<>(out, encode(new Position(k, afterId, partialId, done)));
      }
      out.addAll(rest);
      afterId = partialId;
    }
    double rowsPerSubject = 1;
    while (k < kinds.size()) {
      SubjectKind current = kinds.get(k);
      int remaining = size - out.size();
      if (remaining == 0) {
        return new Page<>(out, encode(new Position(k, afterId, null, Set.of())));
      }
      int batch = (int) Math.min(MAX_BATCH, Math.max(1, Math.ceil(remaining / rowsPerSubject) + 1));
      List<String> ids = store.subjectIds(current, from, to, afterId, batch);
      if (ids.isEmpty()) {
        k++;
        afterId = null;
        continue;
      }
      String upTo = ids.get(ids.size() - 1);
      List<R> rows = rangeRows(current, afterId, upTo);
      rowsPerSubject = Math.max(rowsPerSubject, (double) rows.size() / ids.size());
      if (rows.size() <= remaining) {
        out.addAll(rows);
        afterId = upTo;
        continue;
      }
      out.addAll(rows.subList(0, remaining));
      R last = rows.get(remaining - 1);
      SubjectRef lastSubject = subjectOf.apply(last);
      if (!subjectOf.apply(rows.get(remaining)).equals(lastSubject)) {
        return new Page<>(out, encode(new Position(k, lastSubject.id(), null, Set.of())));
      }
      Set<String> done = new HashSet<>();
      for (R r : out) {
        if (subjectOf.apply(r).equals(lastSubject)) {
          done.add(keyOf.apply(r));
        }
      }
      return new Page<>(out, encode(new Position(k, afterId, lastSubject.id(), done)));
    }
    return new Page<>(out, null);
  }

  /** The rows of the subjects of a kind in {@code (after, upTo]}, in the report's order. */
  private List<R> rangeRows(SubjectKind k, @Nullable String after, String upTo) {
    List<R> rows = new ArrayList<>();
    for (R r : reader.read(q -> q.forSubjectKind(k).forSubjectIds(after, upTo))) {
      // a store written before subject ranges may return every subject: keep those in range
      SubjectRef s = subjectOf.apply(r);
      if (s.kind() == k
          && (after == null || s.id().compareTo(after) > 0)
          && s.id().compareTo(upTo) <= 0) {
        rows.add(r);
      }
    }
    return rows;
  }

  /** Every row, in the report's order, read {@value #STREAM_SUBJECTS} subjects at a time. */
  Stream<R> stream() {
    Spliterator<R> s =
        new Spliterators.AbstractSpliterator<R>(
            Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
          private final ArrayDeque<R> buffer = new ArrayDeque<>();
          private final List<SubjectKind> kinds = kinds();
          private int k;
          private @Nullable String afterId;

          @Override
          public boolean tryAdvance(Consumer<? super R> action) {
            while (buffer.isEmpty()) {
              if (k >= kinds.size()) {
                return false;
              }
              SubjectKind current = kinds.get(k);
              List<String> ids = store.subjectIds(current, from, to, afterId, STREAM_SUBJECTS);
              if (ids.isEmpty()) {
                k++;
                afterId = null;
                continue;
              }
              String upTo = ids.get(ids.size() - 1);
              buffer.addAll(rangeRows(current, afterId, upTo));
              afterId = upTo;
            }
            action.accept(buffer.poll());
            return true;
          }
        };
    return StreamSupport.stream(s, false);
  }

  private String encode(Position p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(report);
      out.writeLong(from.getEpochSecond());
      out.writeInt(from.getNano());
      out.writeLong(to.getEpochSecond());
      out.writeInt(to.getNano());
      out.writeUTF(kind == null ? "" : kind.name());
      out.writeInt(p.kindIndex());
      optional(out, p.afterId());
      optional(out, p.partialId());
      List<String> keys = new ArrayList<>(p.doneKeys());
      Collections.sort(keys);
      out.writeInt(keys.size());
      for (String key : keys) {
        out.writeUTF(key);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
  }

  private static void optional(DataOutputStream out, @Nullable String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static @Nullable String optional(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private Position decode(PageRequest request) {
    String cursor = Checks.notNull("cursor", request.cursor());
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(Base64.getUrlDecoder().decode(cursor)))) {
      Checks.argument(in.readByte() == VERSION, "cursor", "is not a report cursor", cursor);
      boolean same =
          in.readUTF().equals(report)
              && in.readLong() == from.getEpochSecond()
              && in.readInt() == from.getNano()
              && in.readLong() == to.getEpochSecond()
              && in.readInt() == to.getNano()
              && in.readUTF().equals(kind == null ? "" : kind.name());
      Checks.argument(
          same,
          "cursor",
          "belongs to another report, range or kind than " + report + " [" + from + ", " + to + ")",
          cursor);
      int k = in.readInt();
      Checks.argument(k >= 0 && k <= kinds().size(), "cursor", "is not a report cursor", cursor);
      String afterId = optional(in);
      String partialId = optional(in);
      int n = in.readInt();
      Checks.argument(
          n >= 0 && n <= PageRequest.MAX_SIZE * 2, "cursor", "is not a report cursor", cursor);
      Set<String> keys = new HashSet<>();
      for (int i = 0; i < n; i++) {
        keys.add(in.readUTF());
      }
      return new Position(k, afterId, partialId, keys);
    } catch (IOException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "cursor is not a report cursor: " + Checks.show(cursor), e);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("cursor")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "cursor is not a report cursor: " + Checks.show(cursor), e);
    }
  }
}
