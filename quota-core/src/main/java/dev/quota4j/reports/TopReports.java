package dev.quota4j.reports;

import static dev.quota4j.reports.Figures.range;

import dev.quota4j.Money;
import dev.quota4j.SubjectKind;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.DenialCount;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.QuotaStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/** Top lists of subjects and denials by code; see {@link UsageReports}. */
final class TopReports {
  private final QuotaStore store;

  TopReports(QuotaStore store) {
    this.store = store;
  }

  List<SubjectTotals> topSubjects(
      TopBy by, @Nullable SubjectKind kind, Instant from, Instant to, int n) {
    Checks.notNull("by", by);
    range(from, to);
    Checks.argument(
        n >= 1 && n <= PageRequest.MAX_SIZE, "n", "must be 1 to " + PageRequest.MAX_SIZE, n);
    Comparator<AggregateRow> order =
        Comparator.comparingLong((AggregateRow r) -> figure(by, r))
            .reversed()
            .thenComparing(r -> Checks.notNull("subject", r.subject()));
    // the n best so far, worst on top: memory grows with n, not with the number of subjects
    PriorityQueue<AggregateRow> best = new PriorityQueue<>(order.reversed());
    for (AggregateRow r :
        store.aggregate(
            AggregateQuery.between(from, to).forSubjectKind(kind).groupBy(Dimension.SUBJECT))) {
      if (r.subject() == null || (r.calls() == 0 && r.denials() == 0) || figure(by, r) == 0) {
        continue;
      }
      best.add(r);
      if (best.size() > n) {
        best.poll();
      }
    }
    List<AggregateRow> rows = new ArrayList<>(best);
    rows.sort(order);
    List<SubjectTotals> out = new ArrayList<>(rows.size());
    for (AggregateRow r : rows) {
      out.add(
          new SubjectTotals(
              Checks.notNull("subject", r.subject()),
              r.calls(),
              r.errors(),
              r.denials(),
              r.totalTokens(),
              Money.fromMicros(r.costMicros())));
    }
    return out;
  }

  private static long figure(TopBy by, AggregateRow r) {
    return switch (by) {
      case TOKENS -> r.totalTokens();
      case COST -> r.costMicros();
      case REQUESTS -> r.calls();
      case DENIALS -> r.denials();
    };
  }

  List<CodeDenials> denialsByCode(Instant from, Instant to, boolean byKind) {
    range(from, to);
    Map<List<@Nullable Object>, long[]> sums = new HashMap<>();
    for (DenialCount d : store.denialsByCode(from, to)) {
      long[] s =
          sums.computeIfAbsent(
              Arrays.asList(d.code(), byKind ? d.subjectKind() : null), k -> new long[1]);
      s[0] = Checks.add("denials", s[0], d.denials());
    }
    List<CodeDenials> out = new ArrayList<>(sums.size());
    sums.forEach(
        (k, s) -> {
          if (s[0] > 0) {
            out.add(new CodeDenials((String) k.get(0), (SubjectKind) k.get(1), s[0]));
          }
        });
    out.sort(
        Comparator.comparingLong(CodeDenials::denials)
            .reversed()
            .thenComparing(CodeDenials::code, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(
                CodeDenials::subjectKind, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out;
  }
}
