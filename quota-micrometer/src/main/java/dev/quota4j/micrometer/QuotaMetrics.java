package dev.quota4j.micrometer;

import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * quota4j's meters, as a {@link MeterBinder} (bind it to a registry) and a {@link QuotaListener}
 * (add it to the manager): {@code QuotaManager.builder().listener(metrics)}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code quota4j.admissions}</td><td>counter</td>
 *       <td>{@code outcome} (admitted, denied, would_deny, fail_open), {@code code} (the denial
 *       code; {@code none} when admitted)</td></tr>
 *   <tr><td>{@code quota4j.tokens}</td><td>counter</td>
 *       <td>{@code kind} (input, output, cached), {@code provider}, {@code model}</td></tr>
 *   <tr><td>{@code quota4j.cost}</td><td>counter, in units of the currency</td>
 *       <td>{@code provider}, {@code model}</td></tr>
 *   <tr><td>{@code quota4j.settlements}</td><td>counter</td>
 *       <td>{@code status} (success, error, released, recorded)</td></tr>
 *   <tr><td>{@code quota4j.thresholds}</td><td>counter</td>
 *       <td>{@code limit}, {@code level} (ok, warning, critical, exceeded)</td></tr>
 *   <tr><td>{@code quota4j.store.duration}</td><td>timer</td>
 *       <td>{@code operation}, {@code outcome} (success, unavailable, error); from {@link
 *       #timed}</td></tr>
 *   <tr><td>{@code quota4j.store.available}</td><td>gauge</td>
 *       <td>1 while the last store call reached the store, 0 after one found it unreachable (the
 *       manager then fails open or closed as configured)</td></tr>
 *   <tr><td>{@code quota4j.journal.pending}</td><td>gauge</td>
 *       <td>usage admitted without the store and not yet replayed; from {@link #monitor}</td></tr>
 * </table>
 *
 * <p>No meter is tagged with a subject id, reservation id or provider key: those grow without
 * bound. Provider and model names come from the requests; a service that lets its users name
 * arbitrary models should map them to a bounded set first (a {@code MeterFilter} can do that), and
 * may add its own tags with {@code MeterFilter.commonTags}. Events heard before {@link #bindTo} are
 * not counted.
 */
public final class QuotaMetrics implements MeterBinder, QuotaListener {
  private final AtomicReference<@Nullable MeterRegistry> registry = new AtomicReference<>();
  private final AtomicReference<@Nullable QuotaManager> manager = new AtomicReference<>();
  private final AtomicInteger storeAvailable = new AtomicInteger(1);

  /** Meters that are bound later, with {@link #bindTo}. */
  public QuotaMetrics() {}

  /** Wraps {@code store} so that each of its calls is timed into these meters. */
  public TimedQuotaStore timed(QuotaStore store) {
    return new TimedQuotaStore(store, this);
  }

  /**
   * Reads the journal backlog of {@code quotas} for the {@code quota4j.journal.pending} gauge.
   *
   * @return this
   */
  @com.google.errorprone.annotations.CanIgnoreReturnValue
  public QuotaMetrics monitor(QuotaManager quotas) {
    manager.set(quotas);
    return this;
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    registry.set(meters);
    Gauge.builder("quota4j.store.available", storeAvailable, AtomicInteger::get)
        .description("1 while the last quota store call reached the store, else 0")
        .register(meters);
    Gauge.builder("quota4j.journal.pending", manager, QuotaMetrics::pending)
        .description("usage admitted without the store, waiting to be replayed")
        .register(meters);
  }

  private static double pending(AtomicReference<@Nullable QuotaManager> ref) {
    QuotaManager m = ref.get();
    return m == null ? 0 : m.pendingCount();
  }

  // ---- listener ----------------------------------------------------------------------------

  @Override
  public void onAdmitted(UsageRequest request, Reservation reservation) {
    admission(reservation.isDetached() ? "fail_open" : "admitted", "none");
  }

  @Override
  public void onDenied(QuotaDenial denial, UsageRequest request) {
    admission("denied", denial.code());
  }

  @Override
  public void onWouldDeny(QuotaDenial denial, UsageRequest request) {
    admission("would_deny", denial.code());
  }

  @Override
  public void onCommitted(UsageEvent event) {
    usage(event, event.status() == EventStatus.ERROR ? "error" : "success");
  }

  @Override
  public void onReleased(UsageEvent event) {
    MeterRegistry r = registry.get();
    if (r != null) {
      r.counter("quota4j.settlements", "status", "released").increment();
    }
  }

  @Override
  public void onRecorded(UsageEvent event) {
    usage(event, "recorded");
  }

  @Override
  public void onThreshold(ThresholdEvent event) {
    MeterRegistry r = registry.get();
    if (r != null) {
      r.counter(
              "quota4j.thresholds",
              "limit",
              event.limitName(),
              "level",
              event.level().name().toLowerCase(Locale.ROOT))
          .increment();
    }
  }

  private void admission(String outcome, String code) {
    MeterRegistry r = registry.get();
    if (r != null) {
      Counter.builder("quota4j.admissions")
          .description("admission decisions")
          .tags("outcome", outcome, "code", code)
          .register(r)
          .increment();
    }
  }

  private void usage(UsageEvent e, String status) {
    MeterRegistry r = registry.get();
    if (r == null) {
      return;
    }
    r.counter("quota4j.settlements", "status", status).increment();
    Tags where = Tags.of("provider", orNone(e.provider()), "model", orNone(e.model()));
    tokens(r, where, "input", e.inputTokens());
    tokens(r, where, "output", e.outputTokens());
    tokens(r, where, "cached", e.cachedInputTokens());
    if (e.costMicros() > 0) {
      Counter.builder("quota4j.cost")
          .description("cost of the usage, in units of the currency")
          .tags(where)
          .register(r)
          .increment(e.costMicros() / 1_000_000.0);
    }
  }

  private static void tokens(MeterRegistry r, Tags where, String kind, long amount) {
    Counter c =
        Counter.builder("quota4j.tokens")
            .description("tokens used")
            .baseUnit("tokens")
            .tags(where)
            .tag("kind", kind)
            .register(r);
    if (amount > 0) {
      c.increment((double) amount);
    }
  }

  private static String orNone(@Nullable String s) {
    return s == null || s.isEmpty() ? "none" : s;
  }

  // ---- store timing ------------------------------------------------------------------------

  long startTiming() {
    MeterRegistry r = registry.get();
    return r == null ? 0 : r.config().clock().monotonicTime();
  }

  void storeCall(String operation, String outcome, long start) {
    storeAvailable.set("unavailable".equals(outcome) ? 0 : 1);
    MeterRegistry r = registry.get();
    if (r == null) {
      return;
    }
    Timer.builder("quota4j.store.duration")
        .description("time of one quota store call")
        .tags("operation", operation, "outcome", outcome)
        .register(r)
        .record(r.config().clock().monotonicTime() - start, TimeUnit.NANOSECONDS);
  }
}
