package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Reservation ids written straight into one array are the ids the concatenation made. */
class SequentialIdsTest {
  private static final byte[] R = "r-".getBytes(StandardCharsets.ISO_8859_1);

  @Test
  void nextIsTheTagFollowedByTheUuidForm() {
    long[] prefixes = {0, -1, 0x0123456789abcdefL, Long.MIN_VALUE};
    long[] counters = {0, 9, 0xfedcba9876543210L - 1, Long.MAX_VALUE - 1, -2};
    for (long prefix : prefixes) {
      for (long last : counters) {
        QuotaManager.SequentialIds ids = new QuotaManager.SequentialIds(prefix, last);
        assertEquals("r-" + new UUID(prefix, last + 1), ids.next(R));
        assertEquals(new UUID(prefix, last + 2).toString(), ids.get(), "one counter for both");
      }
    }
  }
}
