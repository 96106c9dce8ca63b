package dev.quota4j.internal;

import dev.quota4j.QuotaJournalException;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageJournal;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A journal in an append-only text file. Each line is {@code E<TAB>fields...} for an entry or
 * {@code D<TAB>eventId} for one marked replayed; fields are URL-encoded, so no value can break a
 * line. Every append is forced to disk before it returns (a replay mark is not: losing one in a
 * crash only replays that entry again, which its event id makes harmless).
 *
 * <p>What it survives:
 *
 * <ul>
 *   <li>A crash at any moment. Opening drops replayed entries by writing the pending ones to a new
 *       file ({@code <journal>.tmp}), forcing it to disk, renaming it over the journal atomically
 *       and forcing the directory; the file is never rewritten in place. A torn last line (a crash
 *       mid-write) is set aside; it was never acknowledged.
 *   <li>A failed write (a full disk): the file is cut back to its last whole line (or, if that
 *       fails too, the next line starts on a line of its own), and {@link QuotaJournalException}
 *       reaches the caller; nothing counts the entry.
 *   <li>A damaged line: reported with the file and its line number, set aside, and every good entry
 *       is kept.
 *   <li>A second process: refused, by a lock on {@code <journal>.lock}.
 * </ul>
 *
 * <p>Lines set aside (refused entries, damaged lines) are kept byte for byte in {@code
 * <journal>.set-aside}, one per line: {@code S<TAB>eventId<TAB>reason<TAB>original line}. When
 * nothing is pending, the journal is truncated. Thread-safe within one process.
 */
public final class FileUsageJournal implements UsageJournal {
  private static final Logger LOG = LoggerFactory.getLogger(FileUsageJournal.class);
  private static final int MAX_LOGGED_LINES = 20;

  private final Path path;
  private final Path asidePath;
  private final Disk disk;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private @Nullable FileChannel channel;

  /** Where the next line goes: the end of the file's whole lines, or its end if {@link #torn}. */
  private long end;

  /** Bytes of a failed write could not be cut off: the next line starts with a line break. */
  private boolean torn;

  private final Map<String, Entry> pending = new LinkedHashMap<>();
  private final List<SetAside> aside = new ArrayList<>();
  private final Set<String> asideIds = new HashSet<>();

  /** How the journal writes and cuts its files; a test makes writes fail as on a full disk. */
  interface Disk {
    default int write(FileChannel channel, ByteBuffer src, long position) throws IOException {
      return channel.write(src, position);
    }

    default void truncate(FileChannel channel, long size) throws IOException {
      channel.truncate(size);
    }
  }

  private static final Disk REAL_DISK = new Disk() {};

  private FileUsageJournal(Path path, Disk disk, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.asidePath = sibling(path, ".set-aside");
    this.disk = disk;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  private static Path sibling(Path path, String suffix) {
    return Path.of(path.toString() + suffix);
  }

  /**
   * Opens or creates the journal at {@code path}.
   *
   * @throws QuotaJournalException if another process (or this one) has it open, or it cannot be
   *     read
   */
  public static FileUsageJournal open(Path path) {
    return open(path, REAL_DISK);
  }

  static FileUsageJournal open(Path path, Disk disk) {
    Path lockPath = sibling(path, ".lock");
    FileChannel lockChannel;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new QuotaJournalException(
          "usage journal " + path + " could not be opened: " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      closeQuietly(lockChannel);
      throw new QuotaJournalException(
          "usage journal "
              + path
              + " is already open in this process: open it once and share that UsageJournal",
          e);
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new QuotaJournalException(
          "usage journal " + path + " could not be locked (" + lockPath + "): " + e.getMessage(),
          e);
    }
    if (lock == null) {
      closeQuietly(lockChannel);
      throw new QuotaJournalException(
          "usage journal "
              + path
              + " is in use by another process, which holds the lock on "
              + lockPath
              + ": a journal file serves one process at a time; give each process its own file",
          null);
    }
    FileUsageJournal j = new FileUsageJournal(path, disk, lockChannel, lock);
    try {
      j.load();
      return j;
    } catch (IOException e) {
      j.close();
      throw new QuotaJournalException(
          "usage journal " + path + " could not be opened: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      j.close();
      throw e;
    }
  }

  // --------------------------------------------------------------------- opening

  /** A line found damaged while opening, to be kept aside. */
  @SuppressWarnings("ArrayRecordComponent") // an internal carrier: never compared, hashed or shared
  private record Damaged(int lineNumber, String reason, byte[] raw) {}

  private void load() throws IOException {
    Map<String, Integer> alreadyKept = readAside();
    byte[] bytes = Files.exists(path) ? Files.readAllBytes(path) : new byte[0];
    List<Damaged> damaged = new ArrayList<>();
    boolean compact = false;
    int start = 0;
    int lineNumber = 0;
    long whole = 0; // the length of the file's whole lines
    while (start < bytes.length) {
      lineNumber++;
      int nl = indexOf(bytes, (byte) '\n', start);
      if (nl < 0) {
        byte[] raw = Arrays.copyOfRange(bytes, start, bytes.length);
        damaged.add(
            new Damaged(
                lineNumber,
                "line "
                    + lineNumber
                    + " of "
                    + path
                    + " is incomplete (a write cut short by a crash or a full disk; it was never"
                    + " acknowledged)",
                raw));
        break;
      }
      byte[] raw = Arrays.copyOfRange(bytes, start, nl);
      start = nl + 1;
      whole = start;
      if (raw.length == 0) {
        compact = true;
        continue;
      }
      try {
        String line = strictUtf8(raw);
        if (line.startsWith("D\t")) {
          pending.remove(decode(line.substring(2)));
          compact = true;
        } else if (line.startsWith("E\t")) {
          Entry e = parse(line.substring(2));
          String id = e.event().eventId();
          if (asideIds.contains(id)) {
            compact = true; // set aside before a crash that came before its mark
          } else {
            pending.put(id, e);
          }
        } else {
          throw new IllegalArgumentException("neither an entry (E) nor a replay mark (D)");
        }
      } catch (RuntimeException | CharacterCodingException ex) {
        damaged.add(
            new Damaged(
                lineNumber,
                "line "
                    + lineNumber
                    + " of "
                    + path
                    + " cannot be read ("
                    + oneLine(ex.toString())
                    + ")",
                raw));
      }
    }
    boolean tornTail = whole < bytes.length;
    boolean kept = true;
    if (!damaged.isEmpty()) {
      compact = true;
      List<byte[]> lines = new ArrayList<>();
      List<Damaged> fresh = new ArrayList<>();
      for (Damaged d : damaged) {
        String key = new String(d.raw, StandardCharsets.ISO_8859_1);
        Integer n = alreadyKept.get(key);
        if (n != null && n > 0) {
          alreadyKept.put(key, n - 1); // kept by an earlier open that crashed before its rewrite
          continue;
        }
        lines.add(asideLine(null, d.reason, d.raw));
        fresh.add(d);
      }
      try {
        appendAside(lines);
        int logged = 0;
        for (Damaged d : damaged) {
          if (logged++ < MAX_LOGGED_LINES) {
            LOG.error("{}; the line is kept in {}", d.reason, asidePath);
          }
        }
        if (damaged.size() > MAX_LOGGED_LINES) {
          LOG.error(
              "usage journal {}: {} damaged lines in all, kept in {}",
              path,
              damaged.size(),
              asidePath);
        }
      } catch (IOException e) {
        kept = false;
        LOG.error(
            "usage journal {}: {} damaged lines could not be copied to {} ({}); they stay in the"
                + " journal, which is not compacted",
            path,
            damaged.size(),
            asidePath,
            e.toString());
      }
      for (Damaged d : fresh) {
        aside.add(new SetAside(null, d.reason, null));
      }
    }
    boolean compacted = false;
    if (compact && kept) {
      compacted = rewrite();
    }
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    channel = ch;
    if (compacted) {
      end = ch.size();
    } else if (tornTail && kept) {
      end = whole;
      try {
        disk.truncate(ch, whole); // the torn tail is kept aside
      } catch (IOException e) {
        torn = true;
        end = ch.size();
      }
    } else {
      end = ch.size();
      torn = tornTail;
    }
  }

  /**
   * Reads what earlier opens and replays set aside; returns each damaged original line (as
   * ISO-8859-1 text) with how often it is there.
   */
  private Map<String, Integer> readAside() throws IOException {
    Map<String, Integer> raw = new HashMap<>();
    if (!Files.exists(asidePath)) {
      return raw;
    }
    byte[] bytes = Files.readAllBytes(asidePath);
    int start = 0;
    while (start < bytes.length) {
      int nl = indexOf(bytes, (byte) '\n', start);
      if (nl < 0) {
        break; // a torn write of the set-aside file: its entry is still in the journal
      }
      String line = new String(bytes, start, nl - start, StandardCharsets.ISO_8859_1);
      start = nl + 1;
      String[] f = line.split("\t", 4);
      if (f.length < 4 || !f[0].equals("S")) {
        continue;
      }
      String id = f[1].equals("-") ? null : decode(f[1]);
      String reason = decode(f[2]);
      Entry entry = null;
      if (id != null) {
        try {
          entry = parse(strictUtf8(f[3].getBytes(StandardCharsets.ISO_8859_1)).substring(2));
        } catch (RuntimeException | CharacterCodingException e) {
          entry = null;
        }
        asideIds.add(id);
      } else {
        raw.merge(f[3], 1, Integer::sum);
      }
      aside.add(new SetAside(id, reason, entry));
    }
    return raw;
  }

  private static byte[] asideLine(@Nullable String eventId, String reason, byte[] original) {
    byte[] head =
        ("S\t" + (eventId == null ? "-" : encode(eventId)) + "\t" + encode(reason) + "\t")
            .getBytes(StandardCharsets.UTF_8);
    byte[] line = Arrays.copyOf(head, head.length + original.length + 1);
    System.arraycopy(original, 0, line, head.length, original.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** Appends {@code lines} to the set-aside file and forces it; cut back if that fails. */
  private void appendAside(List<byte[]> lines) throws IOException {
    if (lines.isEmpty()) {
      return;
    }
    try (FileChannel out =
        FileChannel.open(asidePath, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long at = out.size();
      try {
        long pos = at;
        for (byte[] line : lines) {
          writeFully(out, line, pos);
          pos += line.length;
        }
        out.force(false);
      } catch (IOException e) {
        try {
          disk.truncate(out, at);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }

  /**
   * Writes the pending entries to a new file, forces it, renames it over the journal and forces the
   * directory: a crash at any moment leaves the old file or the new one, whole. Returns false (and
   * logs) if it could not: the old file is then kept as it is.
   */
  private boolean rewrite() {
    Path tmp = sibling(path, ".tmp");
    try {
      try (FileChannel out =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        StringBuilder chunk = new StringBuilder();
        long pos = 0;
        for (Entry e : pending.values()) {
          chunk.append("E\t").append(format(e)).append('\n');
          if (chunk.length() > 1 << 16) {
            pos += writeFully(out, chunk.toString().getBytes(StandardCharsets.UTF_8), pos);
            chunk.setLength(0);
          }
        }
        writeFully(out, chunk.toString().getBytes(StandardCharsets.UTF_8), pos);
        out.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(path);
      return true;
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      LOG.warn(
          "usage journal {} could not be compacted ({}); it is used as it is", path, e.toString());
      return false;
    }
  }

  /** Forces the directory entry of a rename to disk, where the platform can open a directory. */
  private static void syncDirectory(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a directory; its rename is durable once it returns
    }
  }

  // --------------------------------------------------------------------- use

  @Override
  public synchronized void append(Entry entry) {
    String id = entry.event().eventId();
    if (pending.containsKey(id)) {
      return;
    }
    writeLine(("E\t" + format(entry) + "\n").getBytes(StandardCharsets.UTF_8), true);
    pending.put(id, entry); // only once it is on disk
  }

  @Override
  public synchronized List<Entry> pending() {
    return new ArrayList<>(pending.values());
  }

  @Override
  public synchronized void markReplayed(String eventId) {
    if (pending.remove(eventId) != null) {
      mark(eventId);
    }
  }

  @Override
  public synchronized void putAside(String eventId, String reason) {
    Entry e = pending.get(eventId);
    if (e == null) {
      return;
    }
    byte[] original = ("E\t" + format(e)).getBytes(StandardCharsets.UTF_8);
    try {
      appendAside(List.of(asideLine(eventId, reason, original)));
    } catch (IOException x) {
      throw new QuotaJournalException(
          "usage journal "
              + path
              + ": entry "
              + eventId
              + " could not be set aside in "
              + asidePath
              + " ("
              + x.getMessage()
              + "); it stays pending",
          x);
    }
    pending.remove(eventId);
    aside.add(new SetAside(eventId, reason, e));
    asideIds.add(eventId);
    mark(eventId);
  }

  @Override
  public synchronized List<SetAside> setAside() {
    return List.copyOf(aside);
  }

  /**
   * Records that {@code eventId} left the pending entries. Not forced, and a failure is only
   * logged: a lost mark replays the entry again after a restart, which its event id makes harmless
   * (or, for an entry set aside, finds it set aside already).
   */
  private void mark(String eventId) {
    FileChannel ch = channel();
    if (pending.isEmpty()) {
      try {
        disk.truncate(ch, 0);
        end = 0;
        torn = false;
        return;
      } catch (IOException e) {
        // fall through to a mark
      }
    }
    try {
      writeLine(("D\t" + encode(eventId) + "\n").getBytes(StandardCharsets.UTF_8), false);
    } catch (QuotaJournalException e) {
      LOG.warn(
          "usage journal {}: the mark that {} was replayed could not be written; after a restart it"
              + " is replayed again, which its event id makes harmless",
          path,
          Checks.show(eventId),
          e);
    }
  }

  /**
   * Writes one line after the last whole one. If that fails, cuts the file back, so that it ends
   * with a whole line, and throws; if even the cut fails, the next line starts with a line break,
   * so that the torn bytes stay a line of their own (set aside at the next open).
   */
  private void writeLine(byte[] line, boolean force) {
    FileChannel ch = channel();
    byte[] data = line;
    if (torn) {
      data = new byte[line.length + 1];
      data[0] = '\n';
      System.arraycopy(line, 0, data, 1, line.length);
    }
    long at = end;
    try {
      writeFully(ch, data, at);
      if (force) {
        ch.force(false);
      }
      end = at + data.length;
      torn = false;
    } catch (IOException e) {
      try {
        disk.truncate(ch, at);
      } catch (IOException cut) {
        e.addSuppressed(cut);
        torn = true;
        try {
          end = Math.max(at, ch.size());
        } catch (IOException size) {
          end = at + data.length; // past whatever part of the line reached the file
        }
      }
      throw new QuotaJournalException(
          "usage journal "
              + path
              + " could not be written ("
              + e.getMessage()
              + "): this usage was not kept and is not counted; the entries written before are"
              + " intact",
          e);
    }
  }

  private long writeFully(FileChannel ch, byte[] bytes, long position) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    long pos = position;
    while (buf.hasRemaining()) {
      int n = disk.write(ch, buf, pos);
      if (n < 0) {
        throw new IOException("short write");
      }
      pos += n;
    }
    return bytes.length;
  }

  private FileChannel channel() {
    FileChannel ch = channel;
    if (ch == null) {
      throw new IllegalStateException("usage journal " + path + " is closed");
    }
    return ch;
  }

  @Override
  public synchronized void close() {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      closeQuietly(ch);
    }
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("closing a journal file failed", e);
    }
  }

  /** {@code text} with control and line-separator characters replaced: safe in one log line. */
  public static String oneLine(String text) {
    return text.replaceAll("[\\p{Cntrl}\\u0080-\\u009f\\u2028\\u2029]", " ");
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String strictUtf8(byte[] raw) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(raw))
        .toString();
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
    if (e.cacheWriteTokens() != 0) {
      // a trailing field, written only when there is something to say, so that lines of journals
      // written before cache writes existed read as before
      f.add(Long.toString(e.cacheWriteTokens()));
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
    if (i == f.length - 1) {
      b.cacheWriteTokens(Long.parseLong(f[i++]));
    }
    if (i != f.length) {
      throw new IllegalArgumentException(f.length + " fields where " + i + " were expected");
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
