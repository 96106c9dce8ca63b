package dev.quota4j.internal;

import dev.quota4j.UsageJournal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A journal in memory. Thread-safe. */
public final class MemoryUsageJournal implements UsageJournal {
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  @Override
  public synchronized void append(Entry entry) {
    entries.putIfAbsent(entry.event().eventId(), entry);
  }

  @Override
  public synchronized List<Entry> pending() {
    return new ArrayList<>(entries.values());
  }

  @Override
  public synchronized void markReplayed(String eventId) {
    entries.remove(eventId);
  }
}
