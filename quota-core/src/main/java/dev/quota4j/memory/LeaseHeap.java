package dev.quota4j.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The open reservations by lease end: a binary min-heap whose entries know their index, so that a
 * commit or release takes its reservation out in O(log n) and the heap holds only open reservations
 * (a heap that kept finished ones until their lease ended would hold every call of the last lease
 * period). Ties are broken by the order of insertion.
 *
 * <p>Not thread-safe: {@link OpenReservations} guards it with its own lock, which it never holds
 * while taking another.
 */
final class LeaseHeap {
  private @Nullable OpenReservation[] heap = new OpenReservation[16];
  private int size;
  private long inserted;

  int size() {
    return size;
  }

  void add(OpenReservation h) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    h.seq = inserted++;
    h.heapIndex = size;
    heap[size++] = h;
    up(h.heapIndex);
  }

  /** Takes {@code h} out; false when it was not in the heap (reclaimed, or never added). */
  boolean remove(OpenReservation h) {
    int i = h.heapIndex;
    if (i < 0 || i >= size || heap[i] != h) {
      return false;
    }
    OpenReservation last = heap[--size];
    heap[size] = null;
    h.heapIndex = -1;
    if (last != h && last != null) {
      heap[i] = last;
      last.heapIndex = i;
      down(i);
      up(last.heapIndex);
    }
    return true;
  }

  /** Moves {@code h}'s lease end; false when it is not in the heap. */
  boolean update(OpenReservation h, Instant leaseUntil) {
    if (!remove(h)) {
      return false;
    }
    h.leaseUntil = leaseUntil;
    add(h);
    return true;
  }

  /** Whether some lease ended at or before {@code now}. */
  boolean anyEnded(Instant now) {
    OpenReservation top = heap[0];
    return size > 0 && top != null && !top.leaseUntil.isAfter(now);
  }

  /** Takes out every entry whose lease ended at or before {@code now}, earliest first. */
  List<OpenReservation> pollEnded(Instant now) {
    List<OpenReservation> out = new ArrayList<>();
    while (anyEnded(now)) {
      OpenReservation top = java.util.Objects.requireNonNull(heap[0]);
      boolean unused = remove(top);
      out.add(top);
    }
    return out;
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      java.util.Objects.requireNonNull(heap[i]).heapIndex = -1;
      heap[i] = null;
    }
    size = 0;
  }

  private static boolean less(OpenReservation a, OpenReservation b) {
    int c = a.leaseUntil.compareTo(b.leaseUntil);
    return c < 0 || (c == 0 && a.seq < b.seq);
  }

  private void up(int i) {
    OpenReservation h = java.util.Objects.requireNonNull(heap[i]);
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      OpenReservation p = java.util.Objects.requireNonNull(heap[parent]);
      if (!less(h, p)) {
        break;
      }
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = h;
    h.heapIndex = i;
  }

  private void down(int i) {
    OpenReservation h = java.util.Objects.requireNonNull(heap[i]);
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      OpenReservation c = java.util.Objects.requireNonNull(heap[child]);
      if (child + 1 < size) {
        OpenReservation r = java.util.Objects.requireNonNull(heap[child + 1]);
        if (less(r, c)) {
          child++;
          c = r;
        }
      }
      if (!less(c, h)) {
        break;
      }
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = h;
    h.heapIndex = i;
  }
}
