package dev.quota4j.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OperationEstimatesTest {

  /** The per-operation estimates of seed 002, written as configuration. */
  @Test
  void parsesTheSeedEstimatesFromOneString() {
    OperationEstimates e =
        OperationEstimates.parse("conversation=500, email_draft=800;\n briefing = 1_000\n");
    assertEquals(OptionalLong.of(500), e.tokensFor("conversation"));
    assertEquals(OptionalLong.of(800), e.tokensFor("email_draft"));
    assertEquals(OptionalLong.of(1_000), e.tokensFor("briefing"));
    assertEquals(OptionalLong.empty(), e.tokensFor("planning"));
    assertEquals("briefing=1000, conversation=500, email_draft=800", e.toString());
    assertEquals(e.asMap(), OperationEstimates.parse(e.toString()).asMap());
  }

  @Test
  void anEmptyStringIsNone() {
    assertSame(OperationEstimates.none(), OperationEstimates.parse(" , ;\n"));
  }

  @Test
  void withAddsOrReplacesOneOperation() {
    OperationEstimates e = OperationEstimates.of(Map.of("conversation", 500L));
    OperationEstimates changed = e.with("conversation", 300).with("email_draft", 1_000);
    assertEquals(Map.of("conversation", 300L, "email_draft", 1_000L), changed.asMap());
    assertEquals(Map.of("conversation", 500L), e.asMap(), "immutable");
  }

  @Test
  void rejectsMalformedEntriesNamingThem() {
    assertEquals(
        "operation estimates entry 2 must look like operation=tokens, was 'email_draft'",
        message(() -> OperationEstimates.parse("conversation=500,email_draft")));
    assertEquals(
        "operation estimates entry 1 must have a whole number of tokens, was 'briefing=lots'",
        message(() -> OperationEstimates.parse("briefing=lots")));
    assertEquals(
        "estimate of operation 'briefing' must be zero or more, was -5",
        message(() -> OperationEstimates.parse("briefing=-5")));
    assertEquals(
        "operation estimates entry 2 names an operation twice, was 'a'",
        message(() -> OperationEstimates.parse("a=1,a=2")));
    assertEquals(
        "operation estimates entry 1 must look like operation=tokens, was '=5'",
        message(() -> OperationEstimates.parse("=5")));
    assertEquals(
        "estimate of operation 'x' must be zero or more, was -1",
        message(() -> OperationEstimates.of(Map.of("x", -1L))));
  }

  private static String message(Supplier<?> call) {
    return String.valueOf(
        assertThrows(IllegalArgumentException.class, () -> call.get()).getMessage());
  }
}
