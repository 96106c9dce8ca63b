package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journal file is used by one process at a time: a second opener is refused clearly. */
class JournalSecondProcessTest {
  @TempDir Path dir;

  @Test
  void aSecondProcessIsRefused() throws Exception {
    Path file = dir.resolve("journal.log");
    try (UsageJournal held = UsageJournal.file(file)) {
      Result r = openInChild(file);
      assertEquals(3, r.exit, r.output);
      assertTrue(r.output.contains(file.toString()), r.output);
      assertTrue(r.output.contains("another process"), r.output);
    }
    Result after = openInChild(file);
    assertEquals(0, after.exit, "free once the first process closed it: " + after.output);
  }

  @Test
  void aSecondOpenInThisProcessIsRefused() {
    Path file = dir.resolve("journal.log");
    try (UsageJournal held = UsageJournal.file(file)) {
      QuotaJournalException e =
          assertThrows(QuotaJournalException.class, () -> UsageJournal.file(file));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("already open"), e.getMessage());
    }
    try (UsageJournal again = UsageJournal.file(file)) {
      assertEquals(0, again.pending().size(), "free once closed");
    }
  }

  record Result(int exit, String output) {}

  private static Result openInChild(Path file) throws Exception {
    Process child =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Opener.class.getName(),
                    file.toString()))
            .redirectErrorStream(true)
            .start();
    byte[] out = child.getInputStream().readAllBytes();
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    return new Result(child.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** Opens the journal: exit 0 if it could, 3 (and the message) if it was refused. */
  public static final class Opener {
    public static void main(String[] args) {
      try (UsageJournal j = UsageJournal.file(Path.of(args[0]))) {
        System.out.println("opened, " + j.pending().size() + " pending");
      } catch (QuotaJournalException e) {
        System.out.println(e.getMessage());
        System.exit(3);
      }
    }
  }
}
