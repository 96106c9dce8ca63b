package dev.quota4j.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic "mixed text" of an exact UTF-8 size: English prose, source code, JSON, numbers,
 * accented European text, Japanese, Chinese, Cyrillic and emoji, drawn in a fixed pseudo-random
 * order, the way chat prompts mix them.
 */
final class MixedText {
  private static final List<String> FRAGMENTS =
      List.of(
          "The quarterly report shows that revenue grew by 12.5% while costs stayed flat. ",
          "Please summarize the following meeting notes and list every action item with its"
              + " owner. ",
          "public static long count(String text) { return text.codePoints().count(); }\n",
          "{\"user\": \"u-42\", \"plan\": \"premium\", \"tokens\": 1048576, \"active\": true}\n",
          "SELECT user_id, SUM(tokens) FROM usage_events WHERE day >= '2025-01-01' GROUP BY"
              + " 1;\n",
          "Grüße aus Köln! Le café est très crème, naïve façade, déjà-vu. ",
          "お誕生日おめでとうございます。今日は良い天気ですね。",
          "你好，世界！我们今天讨论一下项目的进度。",
          "Привет, мир! Как дела? Всё хорошо. ",
          "Great job \ud83d\udc4d\ud83c\udf89 see you tomorrow \ud83d\ude00 ",
          "3.14159 2.71828 1.41421 299792458 6.02214076e23 ",
          "    if (remaining < requested) {\n        return deny(\"TOKENS_OVER_LIMIT\");\n    }\n",
          "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ",
          "<|endoftext|> is a special token, but in a prompt it is just text. ");

  private MixedText() {}

  /** Text of exactly {@code utf8Bytes} bytes in UTF-8, the same for the same size. */
  static String ofUtf8Bytes(int utf8Bytes) {
    SplittableRandom random = new SplittableRandom(20251125L);
    StringBuilder out = new StringBuilder(utf8Bytes);
    int bytes = 0;
    while (true) {
      String next = FRAGMENTS.get(random.nextInt(FRAGMENTS.size()));
      int size = next.getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > utf8Bytes) {
        break;
      }
      out.append(next);
      bytes += size;
    }
    while (bytes < utf8Bytes) {
      out.append('.');
      bytes++;
    }
    return out.toString();
  }
}
