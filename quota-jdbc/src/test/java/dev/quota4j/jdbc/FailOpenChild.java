package dev.quota4j.jdbc;

import dev.quota4j.FailMode;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageJournal;
import dev.quota4j.UsageRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link FailOpenKillTestBase}: a host in {@link FailMode#FAIL_OPEN} with a file
 * journal, on a {@link JdbcQuotaStore} built from a URL (through the parent's proxy).
 *
 * <p>Arguments: {@code url prefix journal granted detached records}. It reserves {@code granted}
 * calls through the database, prints {@code GRANTED} and waits for a line on standard input (the
 * parent cuts the database meanwhile); then commits those, admits and commits {@code detached} more
 * and records {@code records} usages, all of which go to the journal, printing {@code KEPT id
 * tokens} for each and {@code JOURNALED n} at the end; then waits to be killed.
 */
public final class FailOpenChild {
  static final String USER = "killed";

  private FailOpenChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int granted = Integer.parseInt(args[3]);
    int detached = Integer.parseInt(args[4]);
    int records = Integer.parseInt(args[5]);
    JdbcQuotaStore store = JdbcQuotaStore.builder().url(args[0]).tablePrefix(args[1]).build();
    UsageJournal journal = UsageJournal.file(Path.of(args[2]));
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(OutageTestBase.policy())
            .failMode(FailMode.FAIL_OPEN)
            .journal(journal)
            .defaultLogging(false)
            .build();
    List<Reservation> held = new ArrayList<>();
    for (int i = 0; i < granted; i++) {
      Reservation r = m.reserve(UsageRequest.forUser(USER).estimatedTokens(100, 100));
      if (r.isDetached()) {
        throw new IllegalStateException("the database should be reachable still");
      }
      held.add(r);
    }
    out.println("GRANTED " + held.size());
    String go = in.readLine(); // the parent has cut the database
    if (go == null) {
      return;
    }
    int kept = 0;
    for (int i = 0; i < granted; i++) {
      Usage u = Usage.of(10 + i, 5);
      expectPending(held.get(i).commit(u));
      out.println("KEPT " + held.get(i).id() + " " + u.totalTokens());
      kept++;
    }
    for (int i = 0; i < detached; i++) {
      Reservation r = m.reserve(UsageRequest.forUser(USER).estimatedTokens(50, 50));
      if (!r.isDetached()) {
        throw new IllegalStateException("the database should be unreachable");
      }
      Usage u = Usage.of(20 + i, 3);
      expectPending(r.commit(u));
      out.println("KEPT " + r.id() + " " + u.totalTokens());
      kept++;
    }
    for (int i = 0; i < records; i++) {
      String id = "rec-" + i;
      if (!m.record(id, UsageRequest.forUser(USER).build(), Usage.of(7, 0))) {
        throw new IllegalStateException("record " + id + " not kept");
      }
      out.println("KEPT " + id + " 7");
      kept++;
    }
    out.println("JOURNALED " + kept + " " + m.pendingCount());
    while (in.readLine() != null) {
      // until SIGKILL
    }
  }

  private static void expectPending(Reservation.Outcome o) {
    if (o != Reservation.Outcome.PENDING) {
      throw new IllegalStateException("expected PENDING, got " + o);
    }
  }
}
