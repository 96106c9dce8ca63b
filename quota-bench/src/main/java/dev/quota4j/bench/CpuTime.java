package dev.quota4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time spent so far by this JVM and by the local PostgreSQL server (every process whose command
 * is {@code postgres}, read from {@code /proc}); so that a run can say where an admission's CPU
 * goes. Linux only; elsewhere the server's time is -1.
 */
final class CpuTime {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private CpuTime() {}

  /** This JVM's CPU time, nanoseconds. */
  static long clientNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return -1;
  }

  /** The CPU time of every local {@code postgres} process, nanoseconds; -1 if unknown. */
  static long serverNanos() {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return -1;
    }
    long ticks = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          if (open < 0 || close < 0 || !stat.substring(open + 1, close).equals("postgres")) {
            continue;
          }
          String[] f = stat.substring(close + 2).split(" ", -1);
          // after the command: state(0) ... utime(11) stime(12)
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
          // the process ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
  }
}
