package dev.quota4j.memory;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The ids of the newest {@code capacity} events appended, in a ring, with an open-addressing index
 * (linear probing, load at most one half) so that {@link #contains} is one or two probes. Every
 * append of an id is one entry: appending an id twice keeps both until each falls out of the ring.
 * Nothing is allocated per append once the ring has reached its capacity; until then it grows by
 * doubling, so that a store that never sees many events stays small.
 *
 * <p>Not thread-safe: {@link MemoryLedger} guards it with its lock.
 */
final class EventIds {
  private static final int INITIAL = 1024;

  private final int capacity;
  private @Nullable String[] ring;

  /** The hash of each id in {@link #ring}, so that evicting one does not read the string. */
  private int[] ringHashes;

  /** Ring position + 1 of the id stored there; 0 for an empty slot. */
  private int[] table;

  /**
   * The hash of the id each slot of {@link #table} points at: probes compare it first, and deletion
   * finds home slots with it, so that neither reads the id strings (a cache miss each, scattered
   * over the heap) except to confirm a match.
   */
  private int[] hashes;

  private int mask;

  /** Sequence number of the next id appended; its ring position is {@code next % ring.length}. */
  private long next;

  EventIds(int capacity) {
    this.capacity = capacity;
    this.ring = new String[Math.min(capacity, INITIAL)];
    this.ringHashes = new int[ring.length];
    this.table = new int[tableSize(ring.length)];
    this.hashes = new int[table.length];
    this.mask = table.length - 1;
  }

  /** Whether {@code id} is among the newest {@code capacity} ids appended. */
  boolean contains(String id) {
    int h = id.hashCode();
    int i = slot(h);
    int p;
    while ((p = table[i]) != 0) {
      if (hashes[i] == h && id.equals(ring[p - 1])) {
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  /** Appends {@code id}; the oldest id is forgotten once {@code capacity} are held. */
  void add(String id) {
    if (next == ring.length && ring.length < capacity) {
      // not wrapped yet: positions are sequence numbers, so the ring can simply grow
      ring = Arrays.copyOf(ring, (int) Math.min((long) ring.length * 2, capacity));
      ringHashes = Arrays.copyOf(ringHashes, ring.length);
      resizeTable();
    }
    int pos = (int) (next % ring.length);
    if (ring[pos] != null) {
      remove(ringHashes[pos], pos + 1);
    }
    int h = id.hashCode();
    ring[pos] = id;
    ringHashes[pos] = h;
    insert(h, pos + 1);
    next++;
  }

  /** Forgets every id. */
  void clear() {
    Arrays.fill(ring, null);
    Arrays.fill(table, 0);
    next = 0;
  }

  private void insert(int hash, int ref) {
    int i = slot(hash);
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = ref;
    hashes[i] = hash;
  }

  /** Removes the index entry pointing at ring position {@code ref - 1} (backward-shift delete). */
  private void remove(int hash, int ref) {
    int i = slot(hash);
    while (table[i] != ref) {
      i = (i + 1) & mask;
    }
    int hole = i;
    int j = hole;
    while (true) {
      j = (j + 1) & mask;
      int p = table[j];
      if (p == 0) {
        break;
      }
      int home = slot(hashes[j]);
      // move p into the hole unless its home lies cyclically in (hole, j]
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        table[hole] = p;
        hashes[hole] = hashes[j];
        hole = j;
      }
    }
    table[hole] = 0;
  }

  /** The smallest power of two at least twice {@code n}. */
  private static int tableSize(int n) {
    return Integer.highestOneBit(Math.max(2, n) * 2 - 1) * 2;
  }

  private void resizeTable() {
    table = new int[tableSize(ring.length)];
    hashes = new int[table.length];
    mask = table.length - 1;
    for (int pos = 0; pos < ring.length; pos++) {
      if (ring[pos] != null) {
        insert(ringHashes[pos], pos + 1);
      }
    }
  }

  private int slot(int hash) {
    int h = hash * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }
}
