package dev.quota4j.memory;

import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The sums of the events that left the ledger, one entry per UTC day, subject, operation, provider,
 * model, agent, tool, provider key, status and error code; no workflow. Not thread-safe: {@link
 * MemoryLedger} guards it with its lock.
 */
final class DailySummaries {
  /** A summary's key. */
  private record Key(
      Instant day,
      SubjectRef subject,
      EventStatus status,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String agent,
      @Nullable String tool,
      @Nullable String providerKey,
      @Nullable String errorCode) {
    @Nullable String[] dims() {
      @Nullable String[] v = new String[Dimension.values().length];
      v[Dimension.OPERATION.ordinal()] = operation;
      v[Dimension.PROVIDER.ordinal()] = provider;
      v[Dimension.MODEL.ordinal()] = model;
      v[Dimension.AGENT.ordinal()] = agent;
      v[Dimension.TOOL.ordinal()] = tool;
      v[Dimension.PROVIDER_KEY.ordinal()] = providerKey;
      v[Dimension.STATUS.ordinal()] = status.name();
      // no WORKFLOW: the summaries keep none, so purged usage counts under a null workflow
      return v;
    }
  }

  /** Sums of a summary: events, input, output, cached, characters, cost. */
  private static final int SUMS = 6;

  private final Map<Key, long[]> sums = new HashMap<>();

  private @Nullable Instant lastDay;

  /** Adds an event that was never kept in the ring. */
  void add(UsageEvent e) {
    add(
        new Key(
            e.time().truncatedTo(ChronoUnit.DAYS),
            e.subject(),
            e.status(),
            e.operation(),
            e.provider(),
            e.model(),
            e.agent(),
            e.tool(),
            e.providerKey(),
            e.errorCode()),
        e.inputTokens(),
        e.outputTokens(),
        e.cachedInputTokens(),
        e.characters(),
        e.costMicros());
  }

  /** Adds the event at {@code pos} of {@code ring}, which is leaving it. */
  void add(EventRing ring, int pos) {
    add(
        new Key(
            dayOf(ring.dayStart(pos)),
            ring.subject(pos),
            ring.status(pos),
            ring.operation(pos),
            ring.provider(pos),
            ring.model(pos),
            ring.agent(pos),
            ring.tool(pos),
            ring.providerKey(pos),
            ring.errorCode(pos)),
        ring.input(pos),
        ring.output(pos),
        ring.cached(pos),
        ring.characters(pos),
        ring.cost(pos));
  }

  private void add(Key k, long input, long output, long cached, long characters, long cost) {
    long[] v = sums.get(k);
    if (v == null) {
      v = new long[SUMS];
      sums.put(k, v);
    }
    v[0] = Saturated.add(v[0], 1);
    v[1] = Saturated.add(v[1], input);
    v[2] = Saturated.add(v[2], output);
    v[3] = Saturated.add(v[3], cached);
    v[4] = Saturated.add(v[4], characters);
    v[5] = Saturated.add(v[5], cost);
  }

  /** Adds the summaries that {@code q} selects to {@code out}. */
  void addTo(Aggregation out, AggregateQuery q) {
    for (Map.Entry<Key, long[]> s : sums.entrySet()) {
      Key k = s.getKey();
      if (k.day().isBefore(q.from()) || !k.day().isBefore(q.to())) {
        continue;
      }
      @Nullable String[] dims = k.dims();
      if (!q.matchesExceptTime(k.subject(), k.status(), dims)) {
        continue;
      }
      long[] v = s.getValue();
      out.add(
          k.day(),
          true,
          k.subject(),
          k.status(),
          dims,
          v[0],
          new long[] {v[1], v[2], v[3], v[4], v[5]});
    }
  }

  /** Adds the denials of the summaries whose day is in {@code [from, to)}, by code and kind. */
  void addDenials(Map<List<@Nullable Object>, long[]> out, Instant from, Instant to) {
    for (Map.Entry<Key, long[]> s : sums.entrySet()) {
      Key k = s.getKey();
      if (k.status() != EventStatus.QUOTA_EXCEEDED
          || k.day().isBefore(from)
          || !k.day().isBefore(to)) {
        continue;
      }
      long[] n =
          out.computeIfAbsent(Arrays.asList(k.errorCode(), k.subject().kind()), x -> new long[1]);
      n[0] = Saturated.add(n[0], s.getValue()[0]);
    }
  }

  void clear() {
    sums.clear();
  }

  /** The instant of a UTC day's start, the last one reused (events leave the ledger in order). */
  private Instant dayOf(long epochSecond) {
    Instant d = lastDay;
    if (d == null || d.getEpochSecond() != epochSecond) {
      d = Instant.ofEpochSecond(epochSecond);
      lastDay = d;
    }
    return d;
  }
}
