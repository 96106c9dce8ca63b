package dev.quota4j.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenCounterTest {

  /** Characters are code points, the unit of the CHARACTERS metric. */
  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0 | ''",
        "11 | hello world",
        "1 | \u00e9",
        "2 | e\u0301",
        "9 | お誕生日おめでとう",
        "1 | \ud83d\udc4d",
        "7 | \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
        "3 | a\ud83db"
      })
  void countsCharactersAsCodePoints(long expected, String text) {
    assertEquals(expected, TokenCounter.characters(text));
  }

  @Test
  void countsMessagesByOpenAisRule() {
    TokenCounter length = (text, model) -> text.length();
    List<ChatMessage> messages =
        List.of(ChatMessage.system("ab"), ChatMessage.user("cde").withName("xy"));
    // 3 to prime + (3 + "system" 6 + "ab" 2) + (3 + "user" 4 + "cde" 3 + "xy" 2 + 1)
    assertEquals(27, length.countMessages(messages, "any-model"));
    assertEquals(new TokenEstimate(27, 5), length.estimate(messages, 5, "any-model"));
  }

  @Test
  void estimatingCountsAQuarterTokenPerCharacter() {
    TokenCounter rough = TokenCounter.estimating();
    assertEquals(0, rough.count("", "m"));
    assertEquals(1, rough.count("abcd", "m"));
    assertEquals(2, rough.count("abcde", "m"));
    assertEquals(1, rough.count("\ud83d\udc4d\ud83d\udc4d", "m"), "two code points");
  }

  @Test
  void openAiIsTheSharedJtokkitCounter() {
    assertSame(JtokkitTokenCounter.openAi(), TokenCounter.openAi());
  }

  @Test
  void anEstimateMustFitInALong() {
    TokenCounter huge = (text, model) -> Long.MAX_VALUE - 1;
    assertEquals(
        "estimated tokens overflows: 9223372036854775806 + 2 does not fit in a long",
        assertThrows(IllegalArgumentException.class, () -> huge.estimate("x", 2, "m"))
            .getMessage());
    assertEquals(
        "inputTokens must be zero or more, was -1",
        assertThrows(IllegalArgumentException.class, () -> new TokenEstimate(-1, 0)).getMessage());
  }

  @Test
  void approximateCountersRoundUp() {
    ApproximateTokenCounter plus10 = ApproximateTokenCounter.of(TokenEncoding.O200K_BASE, 110);
    assertEquals(3, plus10.count("hello world", "x"), "2 x 1.1 = 2.2");
    assertEquals(0, plus10.count("", "x"));
    ApproximateTokenCounter half = ApproximateTokenCounter.of(TokenEncoding.CL100K_BASE, 50);
    assertEquals(1, half.count("hello world", "x"), "2 x 0.5 = 1");
    assertEquals(
        "percent must be 1 to 1000, was '0'",
        assertThrows(
                IllegalArgumentException.class,
                () -> ApproximateTokenCounter.of(TokenEncoding.CL100K_BASE, 0))
            .getMessage());
  }
}
