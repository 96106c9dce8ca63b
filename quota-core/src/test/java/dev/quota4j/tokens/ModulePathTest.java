package dev.quota4j.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * quota-core on the module path, as a JPMS application uses it. Its module descriptor does not
 * require jtokkit (whose module name would come from its jar's file name); {@link JtokkitModule}
 * reads jtokkit wherever it is. Each case starts a JVM whose module path holds quota-core's classes
 * (with their {@code module-info.class}), JSpecify and SLF4J, and runs a program from the unnamed
 * module (compiled once, against the module path) that counts tokens through {@code
 * dev.quota4j.core}.
 */
class ModulePathTest {
  private static final String PROGRAM =
      """
      public class Main {
        public static void main(String[] args) {
          System.out.println("module " + dev.quota4j.tokens.TokenEncoding.class.getModule().getName());
          System.out.println("tokens " + dev.quota4j.tokens.TokenEncoding.CL100K_BASE.count("hello world"));
          System.out.println("counter " + dev.quota4j.tokens.TokenCounter.openAi().count("hello world", "gpt-4o"));
        }
      }
      """;

  @TempDir static Path dir;
  private static String core = "";
  private static String others = "";
  private static Path jtokkit = Path.of("");
  private static Path classes = Path.of("");

  @BeforeAll
  static void paths() throws IOException {
    List<String> cp =
        Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    core = only(cp, e -> e.replace('\\', '/').endsWith("quota-core/target/classes"));
    others =
        only(cp, e -> new File(e).getName().startsWith("jspecify-"))
            + File.pathSeparator
            + only(cp, e -> new File(e).getName().startsWith("slf4j-api-"));
    jtokkit = Path.of(only(cp, e -> new File(e).getName().startsWith("jtokkit-")));
    assertTrue(Files.exists(Path.of(core, "module-info.class")), "quota-core is a named module");
    Path source = Files.writeString(dir.resolve("Main.java"), PROGRAM, StandardCharsets.UTF_8);
    classes = Files.createDirectories(dir.resolve("classes"));
    int javac =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "--module-path",
                modulePath(),
                "--add-modules",
                "dev.quota4j.core",
                "-d",
                classes.toString(),
                source.toString());
    assertEquals(0, javac, "javac of Main.java");
  }

  private static String only(List<String> cp, java.util.function.Predicate<String> p) {
    List<String> found = cp.stream().filter(p).toList();
    assertEquals(1, found.size(), "class path entries: " + found);
    return found.get(0);
  }

  @Test
  void jtokkitOnTheClassPath() throws Exception {
    Run r = run(modulePath(), "dev.quota4j.core", jtokkit.toString());
    assertEquals(0, r.exit, r.output);
    assertTrue(r.output.contains("module dev.quota4j.core"), r.output);
    assertTrue(r.output.contains("tokens 2"), r.output);
    assertTrue(r.output.contains("counter 2"), r.output);
  }

  @Test
  void jtokkitOnTheModulePathUnderItsFileName() throws Exception {
    Run r = run(modulePath(jtokkit), "dev.quota4j.core,jtokkit", null);
    assertEquals(0, r.exit, r.output);
    assertTrue(r.output.contains("module dev.quota4j.core"), r.output);
    assertTrue(r.output.contains("tokens 2"), r.output);
  }

  /** The case a descriptor that named {@code requires jtokkit} would break. */
  @Test
  void jtokkitOnTheModulePathUnderAnotherName() throws Exception {
    Path renamed = Files.copy(jtokkit, dir.resolve("com.knuddels.jtokkit-1.1.0.jar"));
    Run r = run(modulePath(renamed), "dev.quota4j.core,com.knuddels.jtokkit", null);
    Files.delete(renamed);
    assertEquals(0, r.exit, r.output);
    assertTrue(r.output.contains("tokens 2"), r.output);
  }

  @Test
  void jtokkitNotResolvedIsNamedInTheError() throws Exception {
    Run r = run(modulePath(jtokkit), "dev.quota4j.core", null);
    assertNotEquals(0, r.exit, r.output);
    assertTrue(r.output.contains("cannot find: put the jtokkit jar on the class path"), r.output);
    assertTrue(r.output.contains("--add-modules jtokkit"), r.output);
  }

  private static String modulePath(Path... extra) {
    StringBuilder b = new StringBuilder(core).append(File.pathSeparator).append(others);
    for (Path p : extra) {
      b.append(File.pathSeparator).append(p);
    }
    return b.toString();
  }

  private record Run(int exit, String output) {}

  private static Run run(String modulePath, String addModules, @Nullable String classPath)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--module-path");
    cmd.add(modulePath);
    cmd.add("--add-modules");
    cmd.add(addModules);
    cmd.add("--class-path");
    cmd.add(classPath == null ? classes.toString() : classes + File.pathSeparator + classPath);
    cmd.add("Main");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
    return new Run(p.exitValue(), out);
  }
}
