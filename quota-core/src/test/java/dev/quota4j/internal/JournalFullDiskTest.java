package dev.quota4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.FailMode;
import dev.quota4j.QuotaJournalException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageJournal;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk: a write that stops part way and fails leaves the journal readable (cut back to its
 * last whole line), the caller gets a {@link QuotaJournalException} naming the file, and the usage
 * is counted nowhere.
 */
class JournalFullDiskTest {
  @TempDir Path dir;

  /** A disk with room for {@code room} more bytes; a write past it is partial, then fails. */
  static final class FullDisk implements FileUsageJournal.Disk {
    volatile long room = Long.MAX_VALUE;
    volatile boolean truncateFails;

    @Override
    public int write(FileChannel ch, ByteBuffer src, long position) throws IOException {
      if (room <= 0) {
        throw new IOException("No space left on device");
      }
      if (src.remaining() > room) {
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + (int) room);
        int n = ch.write(part, position);
        src.position(src.position() + n);
        room -= n;
        return n;
      }
      int n = ch.write(src, position);
      room -= n;
      return n;
    }

    @Override
    public void truncate(FileChannel ch, long size) throws IOException {
      if (truncateFails) {
        throw new IOException("I/O error (test)");
      }
      ch.truncate(size);
    }
  }

  private static UsageJournal.Entry entry(String id) {
    SubjectRef u = SubjectRef.user("u");
    Instant day = Instant.parse("2026-11-25T00:00:00Z");
    Charge c =
        new Charge(
            new CounterKey("user-daily-tokens", u, day),
            10,
            1000,
            dev.quota4j.spi.Admission.ALWAYS,
            day.plusSeconds(86_400));
    return new UsageJournal.Entry(
        List.of(c),
        UsageEvent.builder(id, day.plusSeconds(60), EventStatus.SUCCESS, u)
            .inputTokens(10)
            .build());
  }

  private static List<String> ids(UsageJournal j) {
    return j.pending().stream().map(e -> e.event().eventId()).toList();
  }

  @Test
  void aWriteCutShortLeavesTheFileReadableAndFailsLoudly() throws IOException {
    Path file = dir.resolve("journal.log");
    FullDisk disk = new FullDisk();
    try (FileUsageJournal j = FileUsageJournal.open(file, disk)) {
      j.append(entry("e0"));
      j.append(entry("e1"));
      byte[] before = Files.readAllBytes(file);
      disk.room = 40; // part of the next line fits
      QuotaJournalException e =
          assertThrows(QuotaJournalException.class, () -> j.append(entry("e2")));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("could not be written"), e.getMessage());
      assertEquals(List.of("e0", "e1"), ids(j), "nothing counts an entry that is not on disk");
      assertArrayEquals(before, Files.readAllBytes(file), "cut back to the last whole line");
      disk.room = 0;
      assertThrows(QuotaJournalException.class, () -> j.append(entry("e3")));
      disk.room = Long.MAX_VALUE; // space freed
      j.append(entry("e4"));
      assertEquals(List.of("e0", "e1", "e4"), ids(j));
    }
    try (UsageJournal again = UsageJournal.file(file)) {
      assertEquals(List.of("e0", "e1", "e4"), ids(again));
      assertEquals(List.of(), again.setAside());
    }
  }

  @Test
  void whenTheCutFailsTooTheNextLineStillStartsOnItsOwn() throws IOException {
    Path file = dir.resolve("journal.log");
    FullDisk disk = new FullDisk();
    try (FileUsageJournal j = FileUsageJournal.open(file, disk)) {
      j.append(entry("e0"));
      disk.room = 40;
      disk.truncateFails = true;
      assertThrows(QuotaJournalException.class, () -> j.append(entry("e1")));
      disk.room = Long.MAX_VALUE;
      j.append(entry("e2"));
      assertEquals(List.of("e0", "e2"), ids(j));
    }
    try (UsageJournal again = UsageJournal.file(file)) {
      assertEquals(List.of("e0", "e2"), ids(again), "the torn line did not swallow e2");
      assertEquals(1, again.setAside().size(), "the torn part is kept aside");
    }
  }

  /** A store that is always down. */
  static final class Down implements QuotaStore {
    private static QuotaStoreUnavailableException down() {
      return new QuotaStoreUnavailableException("down (test)", null);
    }

    @Override
    public ReserveResult reserve(String id, List<Charge> charges, Instant now, Instant lease) {
      throw down();
    }

    @Override
    public CommitResult commit(String id, List<Charge> actual, UsageEvent event) {
      throw down();
    }

    @Override
    public boolean release(String id, UsageEvent event) {
      throw down();
    }

    @Override
    public CommitResult record(List<Charge> charges, UsageEvent event) {
      throw down();
    }

    @Override
    public boolean appendEvent(UsageEvent event) {
      throw down();
    }

    @Override
    public boolean extend(String id, Instant now, Instant lease) {
      throw down();
    }

    @Override
    public int reclaimExpired(Instant now) {
      throw down();
    }

    @Override
    public Map<CounterKey, CounterValue> counters(Collection<CounterKey> keys) {
      throw down();
    }

    @Override
    public Optional<SubjectRecord> findSubject(SubjectRef subject) {
      throw down();
    }

    @Override
    public SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
      throw down();
    }

    @Override
    public void saveSubject(SubjectRecord record) {
      throw down();
    }

    @Override
    public List<UsageEvent> findEvents(EventQuery query) {
      throw down();
    }
  }

  @Test
  void commitAndRecordFailWithTheJournalsExceptionAndCountNothing() {
    Path file = dir.resolve("journal.log");
    FullDisk disk = new FullDisk();
    try (FileUsageJournal j = FileUsageJournal.open(file, disk)) {
      QuotaManager m =
          QuotaManager.builder()
              .store(new Down())
              .policy(EnvironmentPolicy.from(Map.of()))
              .clock(MutableClock.at("2026-11-25T10:15:00Z"))
              .failMode(FailMode.FAIL_OPEN)
              .journal(j)
              .defaultLogging(false)
              .build();
      Reservation r = m.reserve(UsageRequest.forUser("u").estimatedTokens(10, 10));
      assertTrue(r.isDetached());
      disk.room = 10;
      QuotaJournalException e =
          assertThrows(QuotaJournalException.class, () -> r.commit(Usage.of(5, 5)));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertThrows(
          QuotaJournalException.class,
          () -> m.record("rec", UsageRequest.forUser("u").build(), Usage.of(1, 1)));
      assertEquals(0, m.pendingCount(), "nothing kept, nothing counted");
      assertTrue(r.isOpen(), "the reservation stays open: the caller may try again");
      disk.room = Long.MAX_VALUE;
      assertEquals(Reservation.Outcome.PENDING, r.commit(Usage.of(5, 5)));
      assertTrue(m.record("rec", UsageRequest.forUser("u").build(), Usage.of(1, 1)));
      assertEquals(2, m.pendingCount());
    }
  }

  /**
   * On a real file system: a child process whose files may not grow past 16 KiB ({@code ulimit -f},
   * so the kernel writes part of a line and then fails the write, as on a full disk) records usage
   * in fail-open until the journal refuses; every record that returned is in the file, the file
   * ends with a whole line, and it opens with nothing set aside.
   */
  @Test
  void aRealWriteLimitLeavesTheJournalReadable() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/bin/bash")), "needs bash for ulimit");
    Path file = dir.resolve("limited.log");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cmd =
        "ulimit -f 16; exec '"
            + javaBin
            + "' -XX:-UsePerfData -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' '"
            + Limited.class.getName()
            + "' '"
            + file
            + "'";
    Process child = new ProcessBuilder("/bin/bash", "-c", cmd).redirectErrorStream(true).start();
    String out =
        new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, child.exitValue(), out);
    String last =
        out.lines()
            .filter(l -> l.startsWith("RECORDED "))
            .findFirst()
            .orElseThrow(() -> new AssertionError(out));
    int recorded = Integer.parseInt(last.substring("RECORDED ".length()));
    assertTrue(recorded > 10, out);
    assertTrue(out.contains("could not be written"), out);
    assertTrue(out.contains(file.toString()), out);
    byte[] bytes = Files.readAllBytes(file);
    assertTrue(bytes.length <= 16 * 1024, "the limit held: " + bytes.length);
    assertEquals('\n', bytes[bytes.length - 1], "the file ends with a whole line");
    try (UsageJournal again = UsageJournal.file(file)) {
      assertEquals(recorded, again.pending().size(), "every record that returned, and no other");
      assertEquals(List.of(), again.setAside());
      again.append(entry("after")); // room again
      assertEquals(recorded + 1, again.pending().size());
    }
  }

  /** Records with the store down until the journal cannot be written; says how many it kept. */
  public static final class Limited {
    public static void main(String[] args) {
      Path file = Path.of(args[0]);
      try (UsageJournal j = UsageJournal.file(file)) {
        QuotaManager m =
            QuotaManager.builder()
                .store(new Down())
                .policy(EnvironmentPolicy.from(Map.of()))
                .clock(MutableClock.at("2026-11-25T10:15:00Z"))
                .failMode(FailMode.FAIL_OPEN)
                .journal(j)
                .defaultLogging(false)
                .build();
        int kept = 0;
        int refused = 0;
        for (int i = 0; i < 1000 && refused < 3; i++) {
          try {
            m.record("e" + i, UsageRequest.forUser("u").build(), Usage.of(10, 0));
            kept++;
          } catch (QuotaJournalException e) {
            refused++;
            System.out.println(e.getMessage());
          }
        }
        if (m.pendingCount() != kept) {
          throw new IllegalStateException(m.pendingCount() + " pending, " + kept + " kept");
        }
        System.out.println("RECORDED " + kept);
      }
    }
  }
}
