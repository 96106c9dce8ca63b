package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How many rows a store keeps a limit in, and how charges carry it. */
class LimitStripesTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void systemLimitsAreHotByDefaultOthersKeepOneRow() {
    Limit user = Limit.of("u", Metric.TOKENS, Window.DAY, 100);
    assertEquals(1, user.storeStripes());
    assertEquals(Limit.DEFAULT_HOT_STRIPES, user.appliesTo(SubjectKind.SYSTEM).storeStripes());
    assertEquals(1, user.appliesTo(SubjectKind.SYSTEM).stripes(1).storeStripes());
    assertEquals(8, user.stripes(8).storeStripes());
    assertEquals(8, user.stripes(8).withAmount(5).storeStripes(), "kept by copies");
  }

  @Test
  void aStripeCountOutOfRangeIsRefusedNamingTheLimit() {
    Limit user = Limit.of("user-daily", Metric.TOKENS, Window.DAY, 100);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> user.stripes(257));
    assertTrue(e.getMessage().contains("stripes of limit"), e.getMessage());
    assertTrue(
        e.getMessage().contains("user-daily") && e.getMessage().contains("257"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> user.stripes(-1));
  }

  @Test
  void chargesCarryTheStripeCountThroughTheirCopies() {
    CounterKey k = new CounterKey("s", SubjectRef.SYSTEM, T0);
    Charge c = new Charge(k, 5, 10, Admission.FIT, T0.plusSeconds(3600));
    assertEquals(1, c.stripes());
    Charge hot = c.withStripes(16);
    assertEquals(16, hot.withAmount(3).stripes());
    assertEquals(16, hot.withAdmission(Admission.ALWAYS).stripes());
    assertThrows(IllegalArgumentException.class, () -> c.withStripes(0));
  }
}
