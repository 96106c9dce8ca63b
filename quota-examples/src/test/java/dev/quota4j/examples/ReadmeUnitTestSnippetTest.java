package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Runs the README's "Testing your code" block and asserts what its comments say. */
class ReadmeUnitTestSnippetTest {
  @Test
  void theTestFakesDriveAUnitTestWithoutSleeping() {
    ReadmeSnippets.UnitTestOutcome o = ReadmeSnippets.unitTest();
    assertFalse(o.fits(), "600 more do not fit in what is left of 1,000");
    assertEquals("DAILY_TOKEN_QUOTA_EXCEEDED", o.code());
    assertTrue(o.tomorrow(), "a new day after the clock moved past midnight");
  }
}
