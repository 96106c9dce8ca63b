package dev.quota4j.testkit.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testkit.ReportsContract;
import dev.quota4j.testkit.ReportsWorkload;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reports contract on the in-memory store. */
class InMemoryReportsTest extends ReportsContract {
  @Override
  protected QuotaStore workloadStore() {
    return new InMemoryQuotaStore();
  }

  @Override
  protected QuotaStore freshStore() {
    return new InMemoryQuotaStore();
  }

  /**
   * A ledger smaller than the workload: what falls out is kept in the daily summaries, so day
   * aggregates still match a store that kept everything.
   */
  @Test
  void eventsLeavingAFullLedgerStayInTheSummaries() {
    ReportsWorkload w = ReportsWorkload.generate(3, 5_000, NOW, 20);
    InMemoryQuotaStore small = new InMemoryQuotaStore(500);
    InMemoryQuotaStore big = new InMemoryQuotaStore();
    w.load(small, 1);
    w.load(big, 1);
    assertEquals(500, small.ledgerSize());
    AggregateQuery q =
        AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1))
            .groupBy(EnumSet.complementOf(EnumSet.of(Dimension.WORKFLOW)).toArray(new Dimension[0]))
            .bucket(Bucket.DAY);
    assertEquals(byKey(big.aggregate(q)), byKey(small.aggregate(q)));

    // the summaries keep no workflow: by workflow, what fell out counts under none
    AggregateQuery byWorkflow =
        AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1)).groupBy(Dimension.WORKFLOW);
    Map<String, Long> kept = new HashMap<>();
    for (UsageEvent e : small.findEvents(EventQuery.all(1_000))) {
      if (e.workflowId() != null && ReportsWorkload.counts(e)) {
        kept.merge(e.workflowId(), 1L, Long::sum);
      }
    }
    Map<String, Long> actual = new HashMap<>();
    long calls = 0;
    for (AggregateRow r : small.aggregate(byWorkflow)) {
      calls += r.calls();
      if (r.workflowId() != null) {
        actual.put(r.workflowId(), r.calls() + r.denials());
      }
    }
    assertEquals(kept, actual);
    assertEquals(
        big.aggregate(AggregateQuery.between(Instant.EPOCH, NOW.plusSeconds(1))).get(0).calls(),
        calls);
    assertTrue(
        big.aggregate(byWorkflow).stream().filter(r -> r.workflowId() != null).count()
            > kept.size());
  }

  @Test
  void badArgumentsNameTheField() {
    InMemoryQuotaStore s = new InMemoryQuotaStore();
    assertEquals(
        "maxEvents must be greater than zero, was 0",
        assertThrows(IllegalArgumentException.class, () -> s.purgeEvents(NOW, 0)).getMessage());
    assertEquals(
        "maxCounters must be greater than zero, was -1",
        assertThrows(IllegalArgumentException.class, () -> s.purgeCounters(NOW, -1)).getMessage());
  }

  private static Map<List<Object>, String> byKey(List<AggregateRow> rows) {
    Map<List<Object>, String> out = new HashMap<>();
    rows.forEach(r -> out.put(r.key(), r.toString()));
    return out;
  }
}
