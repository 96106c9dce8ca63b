package dev.quota4j.bench;

import dev.quota4j.Limit;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.spi.QuotaStore;
import java.time.Clock;
import java.time.Duration;

/**
 * quota4j's admission: {@code tryReserve} of the estimate (one store call that takes all three
 * charges or none), then {@code commit} of the actual usage (one store call that settles the
 * counters and appends the ledger event).
 *
 * <p>The manager caches directory entries ({@code subjectCacheTtl}), so that an admission is two
 * store calls (on a JDBC store, two transactions); it writes no ledger events for denials and has
 * no listener.
 */
public final class Quota4jAdmitter implements Admitter {
  static final String USER_TOKENS = "user-daily-tokens";
  static final String USER_REQUESTS = "user-daily-requests";
  static final String SYSTEM_TOKENS = "system-hourly-tokens";

  /** How long the manager trusts a cached directory entry; longer than any benchmark run. */
  static final Duration SUBJECT_CACHE_TTL = Duration.ofMinutes(10);

  private final QuotaManager manager;
  private final Workload w;
  private final String name;

  /** An admitter on {@code store}, with the workload's limits, windows following {@code clock}. */
  public Quota4jAdmitter(QuotaStore store, Workload w, Clock clock) {
    this(store, w, clock, "quota4j");
  }

  /** The same, reported under {@code name} (to tell store configurations apart). */
  public Quota4jAdmitter(QuotaStore store, Workload w, Clock clock, String name) {
    this.w = w;
    this.name = name;
    this.manager =
        QuotaManager.builder()
            .store(store)
            .policy(policy(w))
            .clock(clock)
            .subjectCacheTtl(SUBJECT_CACHE_TTL)
            .recordDenials(false)
            .defaultLogging(false)
            .build();
  }

  /** One plan with the two user limits, and the system's hourly limit. */
  static QuotaPolicy policy(Workload w) {
    return QuotaPolicy.builder()
        .plan(
            Plan.builder(QuotaPolicy.DEFAULT_PLAN)
                .limit(Limit.of(USER_TOKENS, Metric.TOKENS, Window.DAY, w.userDailyTokens()))
                .limit(Limit.of(USER_REQUESTS, Metric.REQUESTS, Window.DAY, w.userDailyRequests()))
                .build())
        .limit(
            Limit.of(SYSTEM_TOKENS, Metric.TOKENS, Window.HOUR, w.systemHourlyTokens())
                .appliesTo(SubjectKind.SYSTEM))
        .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean admit(String userId) {
    QuotaDecision d =
        manager.tryReserve(
            UsageRequest.forUser(userId).estimatedTokens(w.inputTokens(), w.maxOutputTokens()));
    if (!d.allowed()) {
      return false;
    }
    try (Reservation r = d.reservation()) {
      Reservation.Outcome unused = r.commit(Usage.of(w.inputTokens(), w.actualOutputTokens()));
    }
    return true;
  }

  @Override
  public long consumed(Counter counter, String userId) {
    SubjectRef subject =
        counter == Counter.SYSTEM_TOKENS ? SubjectRef.SYSTEM : SubjectRef.user(userId);
    String limit =
        switch (counter) {
          case USER_TOKENS -> USER_TOKENS;
          case USER_REQUESTS -> USER_REQUESTS;
          case SYSTEM_TOKENS -> SYSTEM_TOKENS;
        };
    for (LimitStatus s : manager.status(subject).limits()) {
      if (s.limitName().equals(limit)) {
        return s.used() + s.reserved();
      }
    }
    throw new IllegalStateException("no limit " + limit + " for " + subject);
  }
}
