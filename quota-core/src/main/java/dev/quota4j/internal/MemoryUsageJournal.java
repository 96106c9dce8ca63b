package dev.quota4j.internal;

import dev.quota4j.UsageJournal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A journal in memory; entries set aside are kept in memory too. Thread-safe. */
public final class MemoryUsageJournal implements UsageJournal {
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final List<SetAside> aside = new ArrayList<>();

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

  @Override
  public synchronized void putAside(String eventId, String reason) {
    Entry e = entries.remove(eventId);
    if (e != null) {
      aside.add(new SetAside(eventId, reason, e));
    }
  }

  @Override
  public synchronized List<SetAside> setAside() {
    return List.copyOf(aside);
  }
}
