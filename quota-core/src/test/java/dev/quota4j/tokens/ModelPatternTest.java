package dev.quota4j.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPatternTest {

  @Test
  void parsesExactNamesAndPrefixes() {
    assertEquals(new ModelPattern("gpt-4o", true), ModelPattern.parse("GPT-4o*"));
    assertEquals(
        new ModelPattern("text-embedding-ada-002", false),
        ModelPattern.parse("text-embedding-ada-002"));
    assertEquals("gpt-4o*", ModelPattern.parse("gpt-4o*").toString());
  }

  @Test
  void matchesIgnoringCase() {
    ModelPattern prefix = ModelPattern.parse("gpt-4o*");
    assertTrue(prefix.matches("gpt-4o"));
    assertTrue(prefix.matches("GPT-4O-MINI"));
    assertFalse(prefix.matches("gpt-4"));
    assertFalse(prefix.matches("chatgpt-4o"));
    ModelPattern exact = ModelPattern.parse("o3");
    assertTrue(exact.matches("O3"));
    assertFalse(exact.matches("o3-mini"));
  }

  @Test
  void sortsExactNamesFirstThenLongerPrefixes() {
    List<ModelPattern> ps = new ArrayList<>();
    for (String p : new String[] {"gpt-4*", "gpt-4o", "gpt-4o-mini*", "gpt-4o*", "o1"}) {
      ps.add(ModelPattern.parse(p));
    }
    ps.sort(ModelPattern.MOST_SPECIFIC_FIRST);
    assertEquals("[gpt-4o, o1, gpt-4o-mini*, gpt-4o*, gpt-4*]", ps.toString());
  }

  @Test
  void rejectsMalformedPatterns() {
    assertEquals(
        "model pattern must not start or end with blanks, was ' gpt'",
        assertThrows(IllegalArgumentException.class, () -> ModelPattern.parse(" gpt"))
            .getMessage());
    assertEquals(
        "model pattern must not be blank, was ''",
        assertThrows(IllegalArgumentException.class, () -> ModelPattern.parse("")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelPattern.parse("gpt**"));
    assertThrows(IllegalArgumentException.class, () -> ModelPattern.parse("x".repeat(256)));
  }
}
