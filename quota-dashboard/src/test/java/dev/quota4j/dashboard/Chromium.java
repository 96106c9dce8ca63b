package dev.quota4j.dashboard;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code chromium}, headless, driven from its command line: {@code --dump-dom} gives the
 * DOM after the page's scripts ran, {@code --screenshot} a PNG, and {@code --enable-logging=stderr}
 * every console message (and uncaught error) as a {@code CONSOLE} line on standard error.
 *
 * <p>The browser tests run when {@code QUOTA4J_TEST_BROWSER} is set ({@code .ci/run} sets it and
 * installs the browser with {@code .ci/install-chromium}); then a missing browser fails them.
 * Unset, they are skipped. {@code QUOTA4J_CHROMIUM} names another binary.
 */
final class Chromium {
  static final String SWITCH = "QUOTA4J_TEST_BROWSER";

  private final Path binary;
  private final Path profile;

  private Chromium(Path binary, Path profile) {
    this.binary = binary;
    this.profile = profile;
  }

  /**
   * The browser, or a skipped test when the switch is unset, or a failed one when it is missing.
   */
  static Chromium require(Path work) {
    String on = System.getenv(SWITCH);
    Assumptions.assumeTrue(
        on != null && !on.isBlank() && !on.equals("0") && !on.equals("false"),
        SWITCH + " is not set: the browser tests are skipped");
    String named = System.getenv("QUOTA4J_CHROMIUM");
    Path found = named != null && !named.isBlank() ? Path.of(named) : onPath();
    if (found == null || !Files.isExecutable(found)) {
      fail(
          SWITCH
              + " is set but no chromium was found ("
              + (named != null ? "QUOTA4J_CHROMIUM=" + named : "none on the PATH")
              + "): run .ci/install-chromium");
    }
    return new Chromium(found, work.resolve("profile"));
  }

  private static Path onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  /** What one run printed. */
  record Run(String stdout, List<String> console, String stderr) {}

  /** The DOM of {@code url} once loaded and its scripts ran. */
  Run dumpDom(String url) throws IOException, InterruptedException {
    return run(List.of("--dump-dom", url));
  }

  /** A PNG of {@code url} at the given window size. */
  Run screenshot(String url, Path png, int width, int height)
      throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    Run r =
        run(
            List.of(
                "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height,
                "--hide-scrollbars",
                url));
    if (!Files.exists(png) || Files.size(png) == 0) {
      fail("chromium wrote no screenshot to " + png + "; its stderr:\n" + r.stderr());
    }
    return r;
  }

  private Run run(List<String> what) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--enable-logging=stderr",
                "--v=0"));
    cmd.addAll(what);
    Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
    Path err = Files.createTempFile(profile.getParent(), "chromium", ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish in 90 s: " + cmd);
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      fail("chromium exited with " + p.exitValue() + ": " + cmd + "\n" + stderr);
    }
    List<String> console =
        stderr.lines().filter(l -> l.contains(":CONSOLE")).map(String::strip).toList();
    return new Run(Files.readString(out, StandardCharsets.UTF_8), console, stderr);
  }
}
