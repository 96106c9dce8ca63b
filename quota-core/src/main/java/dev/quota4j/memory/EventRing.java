package dev.quota4j.memory;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The ledger's events in columns: a slot holds an event's time, status and amounts as primitives
 * and its ids and dimensions as references (the strings the event already had), not the {@link
 * UsageEvent} and its {@link Instant}. A kept event then costs no object of its own: the garbage
 * collector copies and scans less while the newest events live (the ledger keeps 100,000 by
 * default). {@link #get} builds the event again when a report reads it.
 *
 * <p>Positions are ring positions; an empty slot (never written, evicted or purged) has a null
 * event id. It grows by doubling until {@code capacity}, while it has not wrapped. Not thread-safe:
 * {@link MemoryLedger} guards it with its lock.
 */
final class EventRing {
  private static final int INITIAL = 1024;

  // references per slot
  private static final int EVENT_ID = 0;
  private static final int RESERVATION_ID = 1;
  private static final int SUBJECT = 2;
  private static final int API_KEY = 3;
  private static final int PROVIDER_KEY = 4;
  private static final int TENANT = 5;
  private static final int WORKFLOW_ID = 6;
  private static final int SESSION_ID = 7;
  private static final int OPERATION = 8;
  private static final int PROVIDER = 9;
  private static final int MODEL = 10;
  private static final int AGENT = 11;
  private static final int TOOL = 12;
  private static final int ERROR_CODE = 13;
  private static final int ERROR_MESSAGE = 14;
  private static final int TAGS = 15;
  private static final int REFS = 16;

  // longs per slot
  private static final int SECONDS = 0;
  private static final int INPUT = 1;
  private static final int OUTPUT = 2;
  private static final int CACHED = 3;
  private static final int CHARACTERS = 4;
  private static final int COST = 5;
  private static final int ESTIMATED = 6;
  private static final int CACHE_WRITE = 7;
  private static final int LONGS = 8;

  private static final EventStatus[] STATUSES = EventStatus.values();

  private final int capacity;
  private @Nullable Object[] refs;
  private long[] longs;
  private int[] nanos;
  private byte[] status;

  EventRing(int capacity) {
    this.capacity = capacity;
    int n = Math.min(capacity, INITIAL);
    this.refs = new Object[n * REFS];
    this.longs = new long[n * LONGS];
    this.nanos = new int[n];
    this.status = new byte[n];
  }

  /** Slots now; grows to {@code capacity}. */
  int length() {
    return nanos.length;
  }

  /** Grows by doubling when all slots are used and {@code capacity} is not reached. */
  void growIfFull(long appended) {
    int n = nanos.length;
    if (appended == n && n < capacity) {
      int m = (int) Math.min(2L * n, capacity);
      refs = Arrays.copyOf(refs, m * REFS);
      longs = Arrays.copyOf(longs, m * LONGS);
      nanos = Arrays.copyOf(nanos, m);
      status = Arrays.copyOf(status, m);
    }
  }

  boolean isEmpty(int pos) {
    return refs[pos * REFS + EVENT_ID] == null;
  }

  @SuppressWarnings("JavaInstantGetSecondsGetNano") // seconds and nanos kept in two columns
  void set(int pos, UsageEvent e) {
    int r = pos * REFS;
    refs[r + EVENT_ID] = e.eventId();
    refs[r + RESERVATION_ID] = e.reservationId();
    refs[r + SUBJECT] = e.subject();
    refs[r + API_KEY] = e.apiKey();
    refs[r + PROVIDER_KEY] = e.providerKey();
    refs[r + TENANT] = e.tenant();
    refs[r + WORKFLOW_ID] = e.workflowId();
    refs[r + SESSION_ID] = e.sessionId();
    refs[r + OPERATION] = e.operation();
    refs[r + PROVIDER] = e.provider();
    refs[r + MODEL] = e.model();
    refs[r + AGENT] = e.agent();
    refs[r + TOOL] = e.tool();
    refs[r + ERROR_CODE] = e.errorCode();
    refs[r + ERROR_MESSAGE] = e.errorMessage();
    refs[r + TAGS] = e.tags().isEmpty() ? null : e.tags();
    int l = pos * LONGS;
    longs[l + SECONDS] = e.time().getEpochSecond();
    longs[l + INPUT] = e.inputTokens();
    longs[l + OUTPUT] = e.outputTokens();
    longs[l + CACHED] = e.cachedInputTokens();
    longs[l + CACHE_WRITE] = e.cacheWriteTokens();
    longs[l + CHARACTERS] = e.characters();
    longs[l + COST] = e.costMicros();
    longs[l + ESTIMATED] = e.estimatedTokens();
    nanos[pos] = e.time().getNano();
    status[pos] = (byte) e.status().ordinal();
  }

  void clear(int pos) {
    Arrays.fill(refs, pos * REFS, pos * REFS + REFS, null);
  }

  void clearAll() {
    Arrays.fill(refs, null);
  }

  /** The event in a slot that is not empty. */
  @SuppressWarnings("unchecked")
  UsageEvent get(int pos) {
    int r = pos * REFS;
    int l = pos * LONGS;
    Object tags = refs[r + TAGS];
    return new UsageEvent(
        str(r + EVENT_ID),
        opt(r + RESERVATION_ID),
        time(pos),
        status(pos),
        subject(pos),
        opt(r + API_KEY),
        opt(r + PROVIDER_KEY),
        opt(r + TENANT),
        opt(r + WORKFLOW_ID),
        opt(r + SESSION_ID),
        opt(r + OPERATION),
        opt(r + PROVIDER),
        opt(r + MODEL),
        opt(r + AGENT),
        opt(r + TOOL),
        longs[l + INPUT],
        longs[l + OUTPUT],
        longs[l + CACHED],
        longs[l + CACHE_WRITE],
        longs[l + CHARACTERS],
        longs[l + COST],
        longs[l + ESTIMATED],
        opt(r + ERROR_CODE),
        opt(r + ERROR_MESSAGE),
        tags == null ? Map.of() : (Map<String, String>) tags);
  }

  Instant time(int pos) {
    return Instant.ofEpochSecond(longs[pos * LONGS + SECONDS], nanos[pos]);
  }

  /** Whether the event's time is before {@code t}, without making an {@link Instant}. */
  boolean isBefore(int pos, Instant t) {
    long s = longs[pos * LONGS + SECONDS];
    return s < t.getEpochSecond() || (s == t.getEpochSecond() && nanos[pos] < t.getNano());
  }

  /** The event's UTC day, as the epoch second it starts at. */
  long dayStart(int pos) {
    return Math.floorDiv(longs[pos * LONGS + SECONDS], 86_400L) * 86_400L;
  }

  EventStatus status(int pos) {
    return STATUSES[status[pos]];
  }

  SubjectRef subject(int pos) {
    return (SubjectRef) java.util.Objects.requireNonNull(refs[pos * REFS + SUBJECT]);
  }

  void setSubject(int pos, SubjectRef s) {
    refs[pos * REFS + SUBJECT] = s;
  }

  @Nullable String operation(int pos) {
    return opt(pos * REFS + OPERATION);
  }

  @Nullable String provider(int pos) {
    return opt(pos * REFS + PROVIDER);
  }

  @Nullable String model(int pos) {
    return opt(pos * REFS + MODEL);
  }

  @Nullable String agent(int pos) {
    return opt(pos * REFS + AGENT);
  }

  @Nullable String tool(int pos) {
    return opt(pos * REFS + TOOL);
  }

  @Nullable String providerKey(int pos) {
    return opt(pos * REFS + PROVIDER_KEY);
  }

  @Nullable String errorCode(int pos) {
    return opt(pos * REFS + ERROR_CODE);
  }

  long input(int pos) {
    return longs[pos * LONGS + INPUT];
  }

  long output(int pos) {
    return longs[pos * LONGS + OUTPUT];
  }

  long cached(int pos) {
    return longs[pos * LONGS + CACHED];
  }

  long characters(int pos) {
    return longs[pos * LONGS + CHARACTERS];
  }

  long cost(int pos) {
    return longs[pos * LONGS + COST];
  }

  private String str(int i) {
    return (String) java.util.Objects.requireNonNull(refs[i]);
  }

  private @Nullable String opt(int i) {
    return (String) refs[i];
  }
}
