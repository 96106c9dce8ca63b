package dev.quota4j.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The id ring and its open-addressing index against a plain model (a queue of the newest ids): many
 * ids from a small pool, so that ids repeat, collide in the table and leave it in every order.
 */
class EventIdsTest {

  private static void matchesTheModel(int capacity, int adds, int pool, long seed) {
    EventIds ids = new EventIds(capacity);
    Deque<String> model = new ArrayDeque<>();
    Random rnd = new Random(seed);
    for (int i = 0; i < adds; i++) {
      String id = "e-" + rnd.nextInt(pool);
      ids.add(id);
      model.addLast(id);
      if (model.size() > capacity) {
        model.removeFirst();
      }
      if (i % 97 == 0 || i == adds - 1) {
        for (int p = 0; p < pool; p++) {
          String probe = "e-" + p;
          assertEquals(model.contains(probe), ids.contains(probe), probe + " after " + i);
        }
      }
    }
  }

  @Test
  void aSmallRingRemembersExactlyTheNewestIds() {
    matchesTheModel(50, 20_000, 200, 1);
    matchesTheModel(1, 500, 5, 2);
  }

  @Test
  void aRingThatGrowsPastItsFirstArrayStaysExact() {
    matchesTheModel(3_000, 12_000, 5_000, 3);
  }

  @Test
  void clearForgetsEverything() {
    EventIds ids = new EventIds(10);
    ids.add("a");
    ids.clear();
    assertEquals(false, ids.contains("a"));
    ids.add("b");
    assertEquals(true, ids.contains("b"));
  }
}
