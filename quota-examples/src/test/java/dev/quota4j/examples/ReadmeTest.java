package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's quick start is the code of {@link QuickStart}, and it runs as the README says. */
class ReadmeTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path QUICK_START =
      Path.of("src", "main", "java", "dev", "quota4j", "examples", "QuickStart.java");

  @Test
  void readmeQuickStartIsTheTestedCode() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("## Quick start");
    assertTrue(section >= 0, "README has a Quick start section");
    int open = readme.indexOf("```java", section);
    int close = readme.indexOf("```", open + 7);
    String fromReadme = readme.substring(open + 7, close);
    String source = Files.readString(QUICK_START);
    String fromCode =
        source.substring(
            source.indexOf("// README-START") + "// README-START".length(),
            source.indexOf("// README-END"));
    assertEquals(squeeze(fromCode), squeeze(fromReadme), "README quick start == QuickStart.java");
  }

  @Test
  void quickStartAdmitsTwiceThenDenies() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      System.setOut(out);
      QuickStart.run(out);
    } finally {
      System.setOut(saved);
    }
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).startsWith("call 1: used "), lines.get(0));
    assertTrue(lines.get(1).startsWith("call 2: used "), lines.get(1));
    assertTrue(lines.get(2).startsWith("call 3: DAILY_TOKEN_QUOTA_EXCEEDED, "), lines.get(2));
  }

  private static String squeeze(String code) {
    return code.replaceAll("\\s+", "");
  }
}
