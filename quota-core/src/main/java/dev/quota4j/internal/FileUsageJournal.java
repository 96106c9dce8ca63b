package dev.quota4j.internal;

import dev.quota4j.QuotaException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageJournal;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A journal in an append-only text file. Each line is {@code E<TAB>fields...} for an entry or
 * {@code D<TAB>eventId} for one marked replayed; fields are URL-encoded, so no value can break a
 * line. Every append is forced to disk before it returns (a replay mark is not: losing one in a
 * crash only replays that entry again, which its event id makes harmless). A torn last line (a
 * crash mid-write) is ignored on open. When nothing is pending, the file is truncated. Thread-safe
 * within one process; one process per file.
 */
public final class FileUsageJournal implements UsageJournal {
  private final Path path;
  private final FileChannel channel;
  private final Map<String, Entry> pending = new LinkedHashMap<>();

  private FileUsageJournal(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Opens or creates the journal at {@code path}. */
  public static FileUsageJournal open(Path path) {
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      FileChannel ch =
          FileChannel.open(
              path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileUsageJournal j = new FileUsageJournal(path, ch);
      j.load();
      return j;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open usage journal " + path, e);
    }
  }

  private void load() throws IOException {
    String text = Files.readString(path, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    String complete = end < 0 ? "" : text.substring(0, end);
    for (String line : complete.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("D\t")) {
        pending.remove(decode(line.substring(2)));
      } else if (line.startsWith("E\t")) {
        Entry e = parse(line.substring(2));
        pending.put(e.event().eventId(), e);
      } else {
        throw new QuotaException("usage journal " + path + " has a line it cannot read");
      }
    }
    // drop a torn last line and anything already replayed
    rewrite();
  }

  @Override
  public synchronized void append(Entry entry) {
    if (pending.putIfAbsent(entry.event().eventId(), entry) == null) {
      write("E\t" + format(entry) + "\n", true);
    }
  }

  @Override
  public synchronized List<Entry> pending() {
    return new ArrayList<>(pending.values());
  }

  @Override
  public synchronized void markReplayed(String eventId) {
    if (pending.remove(eventId) != null) {
      if (pending.isEmpty()) {
        rewrite();
      } else {
        // not forced to disk: a mark lost in a crash only means the entry is replayed again, which
        // its event id makes harmless; forcing it would double the disk flushes of a replay
        write("D\t" + encode(eventId) + "\n", false);
      }
    }
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void rewrite() {
    try {
      StringBuilder all = new StringBuilder();
      for (Entry e : pending.values()) {
        all.append("E\t").append(format(e)).append('\n');
      }
      channel.truncate(0);
      channel.position(0);
      writeFully(all.toString());
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write usage journal " + path, e);
    }
  }

  private void write(String line, boolean force) {
    try {
      channel.position(channel.size());
      writeFully(line);
      if (force) {
        channel.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write usage journal " + path, e);
    }
  }

  private void writeFully(String s) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      int n = channel.write(buf);
      if (n < 0) {
        throw new IOException("short write");
      }
    }
  }

  // --------------------------------------------------------------------- line format

  private static String format(Entry entry) {
    UsageEvent e = entry.event();
    List<String> f = new ArrayList<>();
    f.add(e.eventId());
    f.add(n(e.reservationId()));
    f.add(e.time().toString());
    f.add(e.status().name());
    f.add(e.subject().kind().name());
    f.add(e.subject().id());
    f.add(n(e.apiKey()));
    f.add(n(e.providerKey()));
    f.add(n(e.tenant()));
    f.add(n(e.workflowId()));
    f.add(n(e.sessionId()));
    f.add(n(e.operation()));
    f.add(n(e.provider()));
    f.add(n(e.model()));
    f.add(n(e.agent()));
    f.add(n(e.tool()));
    f.add(Long.toString(e.inputTokens()));
    f.add(Long.toString(e.outputTokens()));
    f.add(Long.toString(e.cachedInputTokens()));
    f.add(Long.toString(e.characters()));
    f.add(Long.toString(e.costMicros()));
    f.add(Long.toString(e.estimatedTokens()));
    f.add(n(e.errorCode()));
    f.add(n(e.errorMessage()));
    f.add(Integer.toString(e.tags().size()));
    e.tags()
        .forEach(
            (k, v) -> {
              f.add(k);
              f.add(v);
            });
    f.add(Integer.toString(entry.charges().size()));
    for (Charge c : entry.charges()) {
      f.add(c.key().limitId());
      f.add(c.key().subject().kind().name());
      f.add(c.key().subject().id());
      f.add(c.key().windowStart().toString());
      f.add(Long.toString(c.amount()));
      f.add(Long.toString(c.limit()));
      f.add(c.admission().name());
      f.add(c.windowEnd().toString());
    }
    StringBuilder out = new StringBuilder();
    for (String s : f) {
      if (out.length() > 0) {
        out.append('\t');
      }
      out.append(encode(s));
    }
    return out.toString();
  }

  private static Entry parse(String line) {
    String[] raw = line.split("\t", -1);
    String[] f = new String[raw.length];
    for (int i = 0; i < raw.length; i++) {
      f[i] = decode(raw[i]);
    }
    UsageEvent.Builder b =
        UsageEvent.builder(
                f[0],
                Instant.parse(f[2]),
                EventStatus.valueOf(f[3]),
                new SubjectRef(SubjectKind.valueOf(f[4]), f[5]))
            .reservationId(u(f[1]));
    int i = 6;
    b.apiKey(u(f[i++]))
        .providerKey(u(f[i++]))
        .tenant(u(f[i++]))
        .workflowId(u(f[i++]))
        .sessionId(u(f[i++]))
        .operation(u(f[i++]))
        .provider(u(f[i++]))
        .model(u(f[i++]))
        .agent(u(f[i++]))
        .tool(u(f[i++]))
        .inputTokens(Long.parseLong(f[i++]))
        .outputTokens(Long.parseLong(f[i++]))
        .cachedInputTokens(Long.parseLong(f[i++]))
        .characters(Long.parseLong(f[i++]))
        .costMicros(Long.parseLong(f[i++]))
        .estimatedTokens(Long.parseLong(f[i++]))
        .errorCode(u(f[i++]))
        .errorMessage(u(f[i++]));
    int tags = Integer.parseInt(f[i++]);
    Map<String, String> t = new TreeMap<>();
    for (int k = 0; k < tags; k++) {
      t.put(f[i++], f[i++]);
    }
    b.tags(t);
    int n = Integer.parseInt(f[i++]);
    List<Charge> charges = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      CounterKey key =
          new CounterKey(
              f[i++], new SubjectRef(SubjectKind.valueOf(f[i++]), f[i++]), Instant.parse(f[i++]));
      charges.add(
          new Charge(
              key,
              Long.parseLong(f[i++]),
              Long.parseLong(f[i++]),
              Admission.valueOf(f[i++]),
              Instant.parse(f[i++])));
    }
    return new Entry(charges, b.build());
  }

  /** A nullable field: {@code -} for null, else {@code +} and the value. */
  private static String n(@Nullable String s) {
    return s == null ? "-" : "+" + s;
  }

  private static @Nullable String u(String s) {
    return s.equals("-") ? null : s.substring(1);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
