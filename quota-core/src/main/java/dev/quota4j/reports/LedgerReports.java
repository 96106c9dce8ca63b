package dev.quota4j.reports;

import static dev.quota4j.reports.Figures.average;
import static dev.quota4j.reports.Figures.day;
import static dev.quota4j.reports.Figures.percent;
import static dev.quota4j.reports.Figures.range;

import dev.quota4j.Money;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Ledger reports per subject, agent, tool, operation and workflow, answered by {@link
 * QuotaStore#aggregate} and {@link QuotaStore#findEvents}; see {@link UsageReports}.
 */
final class LedgerReports {
  private final QuotaStore store;

  LedgerReports(QuotaStore store) {
    this.store = store;
  }

  List<SubjectDay> dailyBySubject(Instant from, Instant to) {
    range(from, to);
    return dailyBySubject(from, to, q -> q);
  }

  SubjectPager<SubjectDay> dailyBySubjectPager(Instant from, Instant to) {
    range(from, to);
    return new SubjectPager<>(
        store,
        "dailyBySubject",
        from,
        to,
        null,
        scope -> dailyBySubject(from, to, scope),
        SubjectDay::subject,
        r -> r.day().toString());
  }

  private List<SubjectDay> dailyBySubject(
      Instant from, Instant to, UnaryOperator<AggregateQuery> scope) {
    List<SubjectDay> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(
            scope.apply(
                AggregateQuery.between(from, to).groupBy(Dimension.SUBJECT).bucket(Bucket.DAY)))) {
      out.add(
          new SubjectDay(
              Checks.notNull("subject", r.subject()),
              day(Checks.notNull("bucketStart", r.bucketStart())),
              r.calls(),
              r.denials(),
              r.inputTokens(),
              r.outputTokens(),
              r.totalTokens(),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(Comparator.comparing(SubjectDay::subject).thenComparing(SubjectDay::day));
    return out;
  }

  List<TopEntry> topAgents(Instant from, Instant to, int limit) {
    range(from, to);
    Checks.positive("limit", limit);
    return top(store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT)), limit);
  }

  List<TopEntry> topTools(Instant from, Instant to, int limit) {
    range(from, to);
    Checks.positive("limit", limit);
    return top(
        store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT, Dimension.TOOL)),
        limit);
  }

  private static List<TopEntry> top(List<AggregateRow> rows, int limit) {
    List<TopEntry> out = new ArrayList<>();
    boolean byTool = false;
    for (AggregateRow r : rows) {
      byTool |= r.tool() != null;
    }
    for (AggregateRow r : rows) {
      if ((byTool ? r.tool() : r.agent()) == null || r.calls() == 0) {
        continue;
      }
      out.add(
          new TopEntry(
              r.agent(),
              r.tool(),
              r.calls(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparingLong(TopEntry::totalTokens)
            .reversed()
            .thenComparing(TopEntry::agent, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(TopEntry::tool, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  List<OperationActivity> activityByOperation(Instant from, Instant to) {
    range(from, to);
    return activityByOperation(from, to, q -> q);
  }

  SubjectPager<OperationActivity> activityByOperationPager(Instant from, Instant to) {
    range(from, to);
    return new SubjectPager<>(
        store,
        "activityByOperation",
        from,
        to,
        null,
        scope -> activityByOperation(from, to, scope),
        OperationActivity::subject,
        r -> r.operation() == null ? "" : "=" + r.operation());
  }

  private List<OperationActivity> activityByOperation(
      Instant from, Instant to, UnaryOperator<AggregateQuery> scope) {
    List<OperationActivity> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(
            scope.apply(
                AggregateQuery.between(from, to)
                    .groupBy(Dimension.SUBJECT, Dimension.OPERATION)))) {
      if (r.calls() == 0 && r.denials() == 0) {
        continue;
      }
      out.add(
          new OperationActivity(
              Checks.notNull("subject", r.subject()),
              r.operation(),
              r.calls(),
              r.errors(),
              r.denials(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparing(OperationActivity::subject)
            .thenComparing(Comparator.comparingLong(OperationActivity::totalTokens).reversed())
            .thenComparing(
                OperationActivity::operation, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out;
  }

  List<SubjectStats> subjectStats(@Nullable SubjectKind kind, Instant from, Instant to) {
    range(from, to);
    return subjectStats(kind, from, to, q -> q);
  }

  SubjectPager<SubjectStats> subjectStatsPager(
      @Nullable SubjectKind kind, Instant from, Instant to) {
    range(from, to);
    return new SubjectPager<>(
        store,
        "subjectStats",
        from,
        to,
        kind,
        scope -> subjectStats(kind, from, to, scope),
        SubjectStats::subject,
        r -> "");
  }

  private List<SubjectStats> subjectStats(
      @Nullable SubjectKind kind, Instant from, Instant to, UnaryOperator<AggregateQuery> scope) {
    Map<SubjectRef, AggregateRow> totals = new HashMap<>();
    Map<SubjectRef, Long> workflows = new HashMap<>();
    for (AggregateRow r :
        store.aggregate(
            scope.apply(
                AggregateQuery.between(from, to)
                    .forSubjectKind(kind)
                    .groupBy(Dimension.SUBJECT, Dimension.WORKFLOW)))) {
      SubjectRef subject = Checks.notNull("subject", r.subject());
      totals.merge(subject, r, AggregateRow::plus);
      if (r.workflowId() != null && (r.calls() > 0 || r.denials() > 0)) {
        workflows.merge(subject, 1L, Long::sum);
      }
    }
    List<SubjectStats> out = new ArrayList<>();
    totals.forEach(
        (subject, r) -> {
          if (r.calls() == 0 && r.denials() == 0) {
            return;
          }
          out.add(
              new SubjectStats(
                  subject,
                  workflows.getOrDefault(subject, 0L),
                  r.calls(),
                  r.errors(),
                  r.denials(),
                  r.totalTokens(),
                  average(r.totalTokens(), r.calls()),
                  Money.fromMicros(r.costMicros())));
        });
    out.sort(Comparator.comparing(SubjectStats::subject));
    return out;
  }

  List<TraceStep> workflowTrace(String workflowId) {
    Checks.id("workflowId", workflowId);
    List<UsageEvent> events =
        store.findEvents(EventQuery.all(UsageReports.MAX_TRACE_EVENTS).forWorkflow(workflowId));
    List<TraceStep> out = new ArrayList<>(events.size());
    int step = 0;
    for (UsageEvent e : events) {
      out.add(
          new TraceStep(
              ++step,
              e.time(),
              e.eventId(),
              e.status(),
              e.subject(),
              e.operation(),
              e.agent(),
              e.tool(),
              e.provider(),
              e.model(),
              e.inputTokens(),
              e.outputTokens(),
              Money.fromMicros(e.costMicros()),
              e.errorCode()));
    }
    return out;
  }

  List<AgentStats> agentStats(Instant from, Instant to) {
    range(from, to);
    List<AgentStats> out = new ArrayList<>();
    for (AggregateRow r :
        store.aggregate(AggregateQuery.between(from, to).groupBy(Dimension.AGENT))) {
      if (r.agent() == null || (r.calls() == 0 && r.denials() == 0)) {
        continue;
      }
      out.add(
          new AgentStats(
              r.agent(),
              r.calls(),
              r.errors(),
              percent(r.errors(), r.calls(), 2),
              r.denials(),
              r.totalTokens(),
              average(r.totalTokens(), r.calls()),
              Money.fromMicros(r.costMicros())));
    }
    out.sort(
        Comparator.comparingLong(AgentStats::totalTokens)
            .reversed()
            .thenComparing(AgentStats::agent));
    return out;
  }
}
