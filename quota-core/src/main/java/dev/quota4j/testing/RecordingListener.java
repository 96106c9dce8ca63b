package dev.quota4j.testing;

import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.UsageRequest;
import dev.quota4j.spi.UsageEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that keeps everything it hears, for assertions. Thread-safe. */
public final class RecordingListener implements QuotaListener {
  private final List<ThresholdEvent> thresholds = new CopyOnWriteArrayList<>();
  private final List<QuotaDenial> denials = new CopyOnWriteArrayList<>();
  private final List<QuotaDenial> wouldDeny = new CopyOnWriteArrayList<>();
  private final List<UsageEvent> committed = new CopyOnWriteArrayList<>();
  private final List<UsageEvent> released = new CopyOnWriteArrayList<>();
  private final List<UsageEvent> recorded = new CopyOnWriteArrayList<>();
  private final List<UsageRequest> failOpen = new CopyOnWriteArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  @Override
  public void onThreshold(ThresholdEvent event) {
    thresholds.add(event);
  }

  @Override
  public void onDenied(QuotaDenial denial, UsageRequest request) {
    denials.add(denial);
  }

  @Override
  public void onWouldDeny(QuotaDenial denial, UsageRequest request) {
    wouldDeny.add(denial);
  }

  @Override
  public void onCommitted(UsageEvent event) {
    committed.add(event);
  }

  @Override
  public void onReleased(UsageEvent event) {
    released.add(event);
  }

  @Override
  public void onRecorded(UsageEvent event) {
    recorded.add(event);
  }

  @Override
  public void onFailOpenAdmission(UsageRequest request, QuotaStoreUnavailableException cause) {
    failOpen.add(request);
  }

  @Override
  public void onWarning(String code, String message) {
    warnings.add(code + ": " + message);
  }

  /** Thresholds crossed, in order. */
  public List<ThresholdEvent> thresholds() {
    return List.copyOf(thresholds);
  }

  /** Denials, in order. */
  public List<QuotaDenial> denials() {
    return List.copyOf(denials);
  }

  /** Would-be denials of soft and shadow limits, in order. */
  public List<QuotaDenial> wouldDeny() {
    return List.copyOf(wouldDeny);
  }

  /** Committed and failed reservations' events, in order. */
  public List<UsageEvent> committed() {
    return List.copyOf(committed);
  }

  /** Released reservations' events, in order. */
  public List<UsageEvent> released() {
    return List.copyOf(released);
  }

  /** Recorded usage events, in order. */
  public List<UsageEvent> recorded() {
    return List.copyOf(recorded);
  }

  /** Requests admitted while the store was unreachable. */
  public List<UsageRequest> failOpenAdmissions() {
    return List.copyOf(failOpen);
  }

  /** Warnings as {@code CODE: message}. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** Forgets everything heard. */
  public void clear() {
    thresholds.clear();
    denials.clear();
    wouldDeny.clear();
    committed.clear();
    released.clear();
    recorded.clear();
    failOpen.clear();
    warnings.clear();
  }
}
