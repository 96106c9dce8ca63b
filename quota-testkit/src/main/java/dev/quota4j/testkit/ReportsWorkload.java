package dev.quota4j.testkit;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * A generated ledger for report tests: users (some with hostile ids), anonymous sessions, agents,
 * tools, providers, models, provider keys, workflows, every status, over {@code days} days before
 * {@code now}. Deterministic for a seed. Tests compute what every report must say from {@link
 * #events} with plain loops, independently of any store.
 */
public final class ReportsWorkload {
  /** Ids that try to break CSV, SQL, logs and exact comparison. */
  public static final List<String> HOSTILE_IDS =
      List.of(
          "he said \"hi\", then\r\nleft",
          "trailing space ",
          "tab\tand\u0000nul",
          "ünïcødé 🎉 𝔘",
          "=cmd|' /C calc'!A0",
          "'; DROP TABLE x; --");

  static final String[] AGENTS = {
    "planner", "researcher", "writer", "critic", "coder", "agent,\"quoted\"", null, null
  };
  static final String[] TOOLS = {
    "search", "browse", "python", "sql", "calculator", "email", "tool\nnewline", null, null, null
  };
  static final String[][] MODELS = {
    {"openai", "gpt-4o"},
    {"openai", "gpt-4o-mini"},
    {"anthropic", "claude-3-5-sonnet"},
    {"groq", "llama-3.1-70b"},
    {null, null}
  };
  static final String[] OPERATIONS = {
    "planning", "agent_call", "classification", "conversation", null
  };
  static final String[] KEYS = {"groq_1", "groq_2", "openai_main", null, null};

  public final Instant now;
  public final Instant start;
  public final List<SubjectRef> subjects;
  public final List<String> workflows;
  public final List<UsageEvent> events;

  private ReportsWorkload(
      Instant now,
      Instant start,
      List<SubjectRef> subjects,
      List<String> workflows,
      List<UsageEvent> events) {
    this.now = now;
    this.start = start;
    this.subjects = subjects;
    this.workflows = workflows;
    this.events = events;
  }

  /** {@code count} events over the {@code days} days before {@code now}, from {@code seed}. */
  public static ReportsWorkload generate(long seed, int count, Instant now, int days) {
    Random r = new Random(seed);
    Instant start = now.minus(Duration.ofDays(days)).truncatedTo(ChronoUnit.DAYS);
    long spanMicros = ChronoUnit.MICROS.between(start, now);
    List<SubjectRef> subjects = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      subjects.add(SubjectRef.user(String.format("u-%02d", i)));
    }
    for (int i = 0; i < 4; i++) {
      subjects.add(SubjectRef.anonymous("anon-" + i));
    }
    for (String h : HOSTILE_IDS) {
      subjects.add(SubjectRef.user(h));
    }
    subjects.add(SubjectRef.user("U-00")); // differs from u-00 only by case
    List<String> workflows = new ArrayList<>();
    List<UsageEvent> events = new ArrayList<>(count);
    int n = 0;
    // workflows: sequences of steps, strictly increasing times
    int wf = 0;
    while (n < count / 5) {
      String id = wf == 3 ? "wf \"hostile\",\n" + wf : "wf-" + wf;
      workflows.add(id);
      SubjectRef s = subjects.get(r.nextInt(subjects.size()));
      Instant t = start.plus(r.nextLong(spanMicros - 3_600_000_000L), ChronoUnit.MICROS);
      int steps = 3 + r.nextInt(10);
      for (int k = 0; k < steps && n < count / 5; k++) {
        t = t.plus(1 + r.nextInt(20_000_000), ChronoUnit.MICROS);
        events.add(event(r, "e-" + n, t, s, id));
        n++;
      }
      wf++;
    }
    while (n < count) {
      SubjectRef s = subjects.get(r.nextInt(subjects.size()));
      Instant t = start.plus(r.nextLong(spanMicros), ChronoUnit.MICROS);
      events.add(event(r, n % 997 == 0 ? "event \"" + n + "\",\n" : "e-" + n, t, s, null));
      n++;
    }
    return new ReportsWorkload(
        now,
        start,
        Collections.unmodifiableList(subjects),
        Collections.unmodifiableList(workflows),
        Collections.unmodifiableList(events));
  }

  private static UsageEvent event(
      Random r, String id, Instant t, SubjectRef s, @Nullable String workflow) {
    int p = r.nextInt(100);
    EventStatus status =
        p < 84
            ? EventStatus.SUCCESS
            : p < 91
                ? EventStatus.ERROR
                : p < 96 ? EventStatus.QUOTA_EXCEEDED : EventStatus.RELEASED;
    String[] pm = MODELS[r.nextInt(MODELS.length)];
    UsageEvent.Builder b =
        UsageEvent.builder(id, t, status, s)
            .workflowId(workflow)
            .operation(OPERATIONS[r.nextInt(OPERATIONS.length)])
            .provider(pm[0])
            .model(pm[1])
            .agent(AGENTS[r.nextInt(AGENTS.length)])
            .tool(TOOLS[r.nextInt(TOOLS.length)])
            .providerKey(KEYS[r.nextInt(KEYS.length)])
            .estimatedTokens(r.nextInt(5000));
    if (status == EventStatus.SUCCESS || status == EventStatus.ERROR) {
      long in = 1L + r.nextInt(4000);
      long out = status == EventStatus.ERROR && r.nextBoolean() ? 0 : r.nextInt(2000);
      b.inputTokens(in)
          .outputTokens(out)
          .cachedInputTokens(in / 4)
          .characters(in * 4 + r.nextInt(4))
          .costMicros(in * 3 + out * 11);
    }
    if (status == EventStatus.ERROR) {
      b.errorCode("TimeoutException").errorMessage("upstream timed out");
    }
    if (status == EventStatus.QUOTA_EXCEEDED) {
      b.errorCode("DAILY_TOKEN_LIMIT_EXCEEDED");
    }
    return b.build();
  }

  /** Writes every event into the store, from {@code threads} threads. */
  public void load(QuotaStore store, int threads) {
    load(store, threads, 0, events.size());
  }

  /** Writes the events from index {@code first} to {@code end} (exclusive) into the store. */
  public void load(QuotaStore store, int threads, int first, int end) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int start = first + t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = start; i < end; i += threads) {
                    write(store, events.get(i));
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("loading the workload failed", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Writes one event as the manager would: usage by record, the rest by appendEvent. */
  public static void write(QuotaStore store, UsageEvent e) {
    if (e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR) {
      if (store.record(List.of(), e).status() != CommitResult.Status.APPLIED) {
        throw new IllegalStateException("event " + e.eventId() + " not applied");
      }
    } else if (!store.appendEvent(e)) {
      throw new IllegalStateException("event " + e.eventId() + " not appended");
    }
  }

  /** Whether an event counts in aggregates. */
  public static boolean counts(UsageEvent e) {
    return e.status() == EventStatus.SUCCESS
        || e.status() == EventStatus.ERROR
        || e.status() == EventStatus.QUOTA_EXCEEDED;
  }

  /** Whether an event is a call. */
  public static boolean isCall(UsageEvent e) {
    return e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR;
  }
}
