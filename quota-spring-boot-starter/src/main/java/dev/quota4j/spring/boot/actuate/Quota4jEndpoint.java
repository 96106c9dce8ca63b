package dev.quota4j.spring.boot.actuate;

import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStatus;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code quota4j} endpoint: {@code /actuator/quota4j} gives this instance's denials of the last
 * hour by code and the journal backlog; {@code /actuator/quota4j/{kind}/{id}} (kind {@code user},
 * {@code api-key}, {@code anonymous}, {@code tenant}, {@code provider-key}, {@code system}) where
 * that subject's limits stand. It is an operator's view: expose it only to operators.
 */
@Endpoint(id = "quota4j")
public class Quota4jEndpoint {
  private final QuotaManager manager;
  private final RecentDenials denials;

  /** The endpoint over {@code manager}, with {@code denials} counted by a listener. */
  public Quota4jEndpoint(QuotaManager manager, RecentDenials denials) {
    this.manager = manager;
    this.denials = denials;
  }

  /** Denials of the last hour by code, and the journal backlog. */
  @ReadOperation
  public Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("deniedLastHour", denials.lastHour());
    out.put("journalPending", manager.pendingCount());
    return out;
  }

  /** Where one subject's limits stand. */
  @ReadOperation
  public Map<String, Object> subject(@Selector String kind, @Selector String id) {
    SubjectKind k;
    try {
      k = SubjectKind.valueOf(kind.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown subject kind '" + kind + "'", e);
    }
    QuotaStatus s =
        manager.status(k == SubjectKind.SYSTEM ? SubjectRef.SYSTEM : new SubjectRef(k, id));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("subject", s.subject().toString());
    out.put("known", s.known());
    out.put("plan", s.plan());
    out.put("active", s.active());
    List<Map<String, Object>> limits = new ArrayList<>();
    for (LimitStatus l : s.limits()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("limit", l.limitName());
      m.put("metric", l.metric().name());
      m.put("window", l.window().name());
      m.put("used", l.used());
      m.put("reserved", l.reserved());
      m.put("amount", l.limit());
      m.put("remaining", l.remaining());
      m.put("level", l.level().name());
      m.put("resetsAt", l.resetsAt() == null ? null : l.resetsAt().toString());
      limits.add(m);
    }
    out.put("limits", limits);
    return out;
  }
}
