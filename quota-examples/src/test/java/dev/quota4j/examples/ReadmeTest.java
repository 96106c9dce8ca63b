package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java code block of the README is the code between {@code // README-START <name>} and {@code
 * // README-END} in a source file of this module, and every such region is in the README. The
 * regions are run by {@link #quickStartAdmitsTwiceThenDenies} and {@link ReadmeSnippetsTest}.
 */
class ReadmeTest {
  private static final Path README = Path.of("..", "README.md");

  /**
   * Where README regions live: this module's code, and the Spring AI module's tests (Spring AI's
   * JSON-schema generator, major 5, cannot share a class path with the OpenAI and Anthropic SDKs'
   * major 4, so its snippets compile and run there).
   */
  private static final List<Path> SOURCES =
      List.of(
          Path.of("src", "main", "java"), Path.of("..", "quota-spring-ai", "src", "test", "java"));

  @Test
  void everyJavaBlockOfTheReadmeIsTestedCode() throws IOException {
    String readme = Files.readString(README);
    List<String> blocks = new ArrayList<>();
    for (int open = readme.indexOf("```java\n");
        open >= 0;
        open = readme.indexOf("```java\n", open + 1)) {
      int close = readme.indexOf("\n```", open + 8);
      blocks.add(readme.substring(open + 8, close));
    }
    Map<String, String> regions = regions();
    assertTrue(blocks.size() >= 6, "README java blocks: " + blocks.size());
    List<String> unused = new ArrayList<>(regions.keySet());
    for (String block : blocks) {
      String name =
          regions.entrySet().stream()
              .filter(e -> squeeze(e.getValue()).equals(squeeze(block)))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
      assertTrue(
          name != null, "this README block is not the code of any README-START region:\n" + block);
      unused.remove(name);
    }
    assertEquals(List.of(), unused, "regions the README does not show");
    // the quick start is the first block, right under its heading
    int section = readme.indexOf("## Quick start");
    assertTrue(
        section >= 0 && readme.indexOf("```java", section) < readme.indexOf("\n## ", section + 5));
    assertEquals(squeeze(regions.get("QuickStart.java:quick-start")), squeeze(blocks.get(0)));
  }

  private static Map<String, String> regions() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Path root : SOURCES) {
      regions(root, out);
    }
    return out;
  }

  private static void regions(Path root, Map<String, String> out) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        String src = Files.readString(f);
        for (int at = src.indexOf("// README-START ");
            at >= 0;
            at = src.indexOf("// README-START ", at + 1)) {
          int eol = src.indexOf('\n', at);
          String name = f.getFileName() + ":" + src.substring(at + 16, eol).strip();
          int end = src.indexOf("// README-END", eol);
          assertTrue(end > 0, "README-START without README-END in " + f);
          out.put(name, src.substring(eol + 1, end));
        }
      }
    }
  }

  @Test
  void quickStartAdmitsTwiceThenDenies() {
    Output<Void> run =
        Output.of(
            out -> {
              QuickStart.run(out);
              return null;
            });
    List<String> lines = run.text.lines().toList();
    assertEquals(3, lines.size(), run.text);
    assertTrue(lines.get(0).startsWith("call 1: used "), lines.get(0));
    assertTrue(lines.get(1).startsWith("call 2: used "), lines.get(1));
    assertTrue(lines.get(2).startsWith("call 3: DAILY_TOKEN_QUOTA_EXCEEDED, "), lines.get(2));
  }

  private static String squeeze(String code) {
    return code.replaceAll("\\s+", "");
  }
}
