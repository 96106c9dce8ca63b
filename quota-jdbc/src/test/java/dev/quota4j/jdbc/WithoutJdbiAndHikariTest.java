package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Jdbi and HikariCP are optional dependencies: a host that passes its own {@code DataSource} needs
 * neither. {@link WithoutJdbiAndHikari} builds a store on H2 and admits and denies calls through it
 * in a child JVM whose class path is this test's without the Jdbi and HikariCP jars.
 *
 * <p>Regression: before, {@code JdbcQuotaStore.builder().build()} failed with {@code
 * NoClassDefFoundError} for Jdbi's classes on such a class path, even with a data source.
 */
class WithoutJdbiAndHikariTest {
  @Test
  void aStoreOnTheCallersDataSourceRunsWithoutJdbiAndHikari() throws Exception {
    List<String> full =
        Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    List<String> removed = full.stream().filter(WithoutJdbiAndHikariTest::isDropped).toList();
    assertEquals(2, removed.size(), "the Jdbi and HikariCP jars on this class path: " + removed);
    String classPath =
        full.stream().filter(e -> !isDropped(e)).collect(Collectors.joining(File.pathSeparator));

    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                WithoutJdbiAndHikari.class.getName(),
                "nojdbi" + ProcessHandle.current().pid())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("not on the class path: org.jdbi.v3.core.Jdbi"), out);
    assertTrue(out.contains("not on the class path: com.zaxxer.hikari.HikariDataSource"), out);
    assertTrue(out.contains("first call committed: JdbcQuotaStore[H2"), out);
    assertTrue(out.contains("second call denied: DAILY_TOKEN_QUOTA_EXCEEDED"), out);
    assertTrue(
        out.contains(
            "url() without HikariCP: url(...) builds a HikariCP pool, and HikariCP is not on the"
                + " class path: add com.zaxxer:HikariCP to your dependencies"),
        out);
  }

  private static boolean isDropped(String entry) {
    String name = new File(entry).getName();
    return name.startsWith("jdbi3-core-") || name.startsWith("HikariCP-");
  }
}
