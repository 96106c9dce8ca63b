package dev.quota4j.tokens;

import static dev.quota4j.tokens.TokenEncoding.CL100K_BASE;
import static dev.quota4j.tokens.TokenEncoding.O200K_BASE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Token ids of both encodings against OpenAI's tiktoken.
 *
 * <p>Every expected id list was produced by tiktoken 0.14.0's {@code encode_ordinary}, run on the
 * rank files that jtokkit 1.1.0 ships, after checking that their SHA-256 equals the {@code
 * expected_hash} tiktoken pins for OpenAI's published files (cl100k_base 223921b7..., o200k_base
 * 446a9538...). "hello world", "tiktoken is great!", the Japanese and
 * "antidisestablishmentarianism" lists also appear in OpenAI's cookbook ("How to count tokens with
 * tiktoken"), and the cl100k list of 👍 in tiktoken's own test suite.
 */
class TokenEncodingTest {

  static Stream<Arguments> tiktokenIds() {
    return Stream.of(
        // the examples
        ids(CL100K_BASE, "hello world", 15339, 1917),
        ids(O200K_BASE, "hello world", 24912, 2375),
        ids(CL100K_BASE, "tiktoken is great!", 83, 1609, 5963, 374, 2294, 0),
        ids(O200K_BASE, "tiktoken is great!", 83, 8251, 2488, 382, 2212, 0),
        ids(CL100K_BASE, "antidisestablishmentarianism", 519, 85342, 34500, 479, 8997, 2191),
        ids(O200K_BASE, "antidisestablishmentarianism", 493, 129901, 376, 160388, 21203, 2367),
        ids(CL100K_BASE, "2 + 2 = 4", 17, 489, 220, 17, 284, 220, 19),
        ids(O200K_BASE, "2 + 2 = 4", 17, 659, 220, 17, 314, 220, 19),
        // non-ASCII
        ids(CL100K_BASE, "お誕生日おめでとう", 33334, 45918, 243, 21990, 9080, 33334, 62004, 16556, 78699),
        ids(O200K_BASE, "お誕生日おめでとう", 8930, 9697, 243, 128225, 8930, 17693, 4344, 48669),
        ids(CL100K_BASE, "你好，世界！", 57668, 53901, 3922, 3574, 244, 98220, 6447),
        ids(O200K_BASE, "你好，世界！", 177519, 979, 28428, 3393),
        ids(
            CL100K_BASE,
            "Grüße aus Köln — naïve café",
            6600,
            2448,
            24352,
            9608,
            65994,
            2312,
            2001,
            95980,
            588,
            53050),
        ids(
            O200K_BASE,
            "Grüße aus Köln — naïve café",
            3193,
            572,
            13153,
            3976,
            85686,
            2733,
            153475,
            737,
            30469),
        // é precomposed (U+00E9) and decomposed (e + U+0301): no Unicode normalization
        ids(CL100K_BASE, "\u00e9", 978),
        ids(CL100K_BASE, "e\u0301", 68, 54939),
        ids(O200K_BASE, "\u00e9", 377),
        ids(O200K_BASE, "e\u0301", 68, 13430),
        // emoji: 👍 and the family 👨‍👩‍👧‍👦 (four emoji joined by U+200D)
        ids(CL100K_BASE, "\ud83d\udc4d", 9468, 239, 235),
        ids(O200K_BASE, "\ud83d\udc4d", 82514),
        ids(
            CL100K_BASE,
            "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
            9468,
            239,
            101,
            378,
            235,
            9468,
            239,
            102,
            378,
            235,
            9468,
            239,
            100,
            378,
            235,
            9468,
            239,
            99),
        ids(
            O200K_BASE,
            "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
            28823,
            101,
            2524,
            28823,
            102,
            2524,
            28823,
            100,
            2524,
            28823,
            99),
        // special-token strings are text
        ids(CL100K_BASE, "<|endoftext|>", 27, 91, 8862, 728, 428, 91, 29),
        ids(O200K_BASE, "<|endoftext|>", 27, 91, 419, 1440, 919, 91, 29),
        ids(CL100K_BASE, "hello <|endoftext|> world", 15339, 83739, 8862, 728, 428, 91, 29, 1917),
        ids(O200K_BASE, "hello <|endoftext|> world", 24912, 464, 91, 419, 1440, 919, 91, 29, 2375),
        // a lone surrogate is U+FFFD, as in tiktoken
        ids(CL100K_BASE, "\ud83d", 5809),
        ids(O200K_BASE, "\ud83d", 3251),
        ids(CL100K_BASE, "a\ud83db", 64, 5809, 65),
        ids(O200K_BASE, "a\udc4db", 64, 3251, 65),
        ids(CL100K_BASE, "", new int[0]),
        ids(O200K_BASE, "", new int[0]));
  }

  private static Arguments ids(TokenEncoding encoding, String text, int... ids) {
    return Arguments.of(encoding, text, ids);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("tiktokenIds")
  void encodesLikeTiktoken(TokenEncoding encoding, String text, int[] expected) {
    assertArrayEquals(expected, encoding.encode(text));
    assertEquals(expected.length, encoding.count(text));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("tiktokenIds")
  void decodesTiktokenIdsBackToTheText(TokenEncoding encoding, String text, int[] ids) {
    String expected = TokenEncoding.replaceLoneSurrogates(text);
    assertEquals(expected, encoding.decode(ids));
  }

  @Test
  void theSpecialTokenStringIsCountedAsTextNeverAsOneToken() {
    String prompt = "Ignore this: <|endoftext|><|fim_prefix|><|endofprompt|>";
    for (TokenEncoding e : TokenEncoding.values()) {
      int[] ids = e.encode(prompt);
      assertTrue(ids.length > 10, e + " counted the special tokens as special");
      for (int id : ids) {
        assertTrue(id < (e == CL100K_BASE ? 100_256 : 199_998), "special id " + id);
      }
      assertEquals(prompt, e.decode(ids));
    }
  }

  @Test
  void replacesOnlyLoneSurrogates() {
    String pairs = "a\ud83d\udc4d b \ud83d\ude00";
    assertSame(pairs, TokenEncoding.replaceLoneSurrogates(pairs));
    assertEquals("\ufffd", TokenEncoding.replaceLoneSurrogates("\udc4d"));
    assertEquals(
        "x\ufffd\ud83d\udc4d\ufffdy\ufffd",
        TokenEncoding.replaceLoneSurrogates("x\ud83d\ud83d\udc4d\udc4dy\ud83d"));
  }

  @Test
  void decodeRejectsIdsOutsideTheVocabulary() {
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> CL100K_BASE.decode(new int[] {1, -5}));
    assertEquals("tokens[1] must be a token id of cl100k_base, was '-5'", negative.getMessage());
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> O200K_BASE.decode(new int[] {999_999}));
    assertTrue(
        String.valueOf(unknown.getMessage())
            .startsWith("tokens must all be token ids of o200k_base"));
  }

  @Test
  void rejectsNullText() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> O200K_BASE.count(nullString()));
    assertEquals("text must not be null, was 'null'", e.getMessage());
  }

  @Test
  void findsEncodingsByTiktokenName() {
    assertEquals(Optional.of(O200K_BASE), TokenEncoding.byName("o200k_base"));
    assertEquals(Optional.of(CL100K_BASE), TokenEncoding.byName("CL100K_BASE"));
    assertEquals(Optional.empty(), TokenEncoding.byName("p50k_base"));
    assertEquals("o200k_base", O200K_BASE.encodingName());
  }

  /** Many threads share the encodings; every count equals the single-threaded one. */
  @Test
  void countsConcurrently() throws Exception {
    List<String> texts =
        List.of("hello world", "お誕生日おめでとう", "tiktoken is great!".repeat(50), "\ud83d\udc4d");
    List<Long> expected = new ArrayList<>();
    for (TokenEncoding e : TokenEncoding.values()) {
      for (String t : texts) {
        expected.add(e.count(t));
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<List<Long>>> tasks = new ArrayList<>();
      for (int task = 0; task < 16; task++) {
        tasks.add(
            () -> {
              List<Long> got = new ArrayList<>();
              for (TokenEncoding e : TokenEncoding.values()) {
                for (String t : texts) {
                  got.add(e.count(t));
                }
              }
              return got;
            });
      }
      for (Future<List<Long>> f : pool.invokeAll(tasks)) {
        assertEquals(expected, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * In a fresh JVM, several threads count with o200k_base at once: all agree and cl100k_base is
   * never loaded (one encoding at a time).
   */
  @Test
  void loadsOneEncodingLazilyInAFreshJvm() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LazyLoadingProbe.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
    assertEquals(0, p.exitValue(), out);
    assertEquals(
        "before: cl100k=false o200k=false; after: cl100k=false o200k=true; counts=[2]", out);
  }

  @SuppressWarnings("NullAway")
  private static String nullString() {
    return null;
  }
}
