package dev.quota4j.reports;

import static dev.quota4j.reports.Figures.percent;

import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStatus;
import dev.quota4j.SubjectRef;
import dev.quota4j.UsageLevel;
import dev.quota4j.internal.Checks;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Reports read from {@link QuotaManager#status}: provider keys and a subject's health; see {@link
 * UsageReports}.
 */
final class StatusReports {
  private final QuotaManager manager;
  private final int keyWarningPercent;
  private final int keyCriticalPercent;

  StatusReports(QuotaManager manager, int keyWarningPercent, int keyCriticalPercent) {
    this.manager = manager;
    this.keyWarningPercent = keyWarningPercent;
    this.keyCriticalPercent = keyCriticalPercent;
  }

  List<ProviderKeyStatus> providerKeys(Collection<String> keys) {
    List<ProviderKeyStatus> out = new ArrayList<>();
    for (String k : keys) {
      Checks.id("provider key", k);
      out.add(keyStatus(k));
    }
    return out;
  }

  Optional<String> chooseProviderKey(List<String> keys) {
    ProviderKeyStatus best = null;
    for (ProviderKeyStatus s : providerKeys(keys)) {
      if (s.state() != KeyState.DISABLED
          && (best == null || s.remainingPercent().compareTo(best.remainingPercent()) > 0)) {
        best = s;
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.key());
  }

  private ProviderKeyStatus keyStatus(String key) {
    QuotaStatus status = manager.status(SubjectRef.providerKey(key));
    LimitStatus tightest = null;
    BigDecimal remaining = BigDecimal.valueOf(100).setScale(1, RoundingMode.UNNECESSARY);
    boolean usedUp = false;
    for (LimitStatus l : status.limits()) {
      if (!l.window().isStored() || l.mode() == LimitMode.SHADOW) {
        continue; // a SHADOW limit only counts (see limits()); a SOFT one warns but never disables
      }
      usedUp |= l.mode() == LimitMode.ENFORCE && l.remaining() == 0;
      BigDecimal r = percent(l.remaining(), l.limit(), 1);
      if (l.limit() == 0) {
        r = BigDecimal.ZERO.setScale(1, RoundingMode.UNNECESSARY);
      }
      if (tightest == null || r.compareTo(remaining) < 0) {
        tightest = l;
        remaining = r;
      }
    }
    KeyState state;
    BigDecimal used = BigDecimal.valueOf(100).subtract(remaining);
    if (!status.active() || usedUp) {
      state = KeyState.DISABLED;
    } else if (used.compareTo(BigDecimal.valueOf(keyCriticalPercent)) >= 0) {
      state = KeyState.CRITICAL;
    } else if (used.compareTo(BigDecimal.valueOf(keyWarningPercent)) >= 0) {
      state = KeyState.WARNING;
    } else {
      state = KeyState.AVAILABLE;
    }
    return new ProviderKeyStatus(
        key,
        state,
        remaining,
        tightest == null ? null : tightest.limitName(),
        tightest == null ? 0 : tightest.used() + tightest.reserved(),
        tightest == null ? 0 : tightest.limit(),
        tightest == null ? null : tightest.resetsAt(),
        status.limits());
  }

  HealthSummary health(SubjectRef subject) {
    QuotaStatus status = manager.status(subject);
    List<HealthLimit> limits = new ArrayList<>();
    for (LimitStatus l : status.limits()) {
      limits.add(
          new HealthLimit(
              l.subject(),
              l.limitName(),
              l.metric(),
              l.window(),
              l.used(),
              l.reserved(),
              l.limit(),
              l.remaining(),
              percent(l.used() + l.reserved(), l.limit(), 1),
              l.level(),
              l.resetsAt()));
    }
    UsageLevel level = status.level();
    return new HealthSummary(
        subject,
        status.plan(),
        status.active(),
        status.active() && level == UsageLevel.OK,
        level,
        limits,
        limits.stream().filter(h -> h.level() != UsageLevel.OK).toList());
  }
}
