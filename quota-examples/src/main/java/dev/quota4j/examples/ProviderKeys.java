package dev.quota4j.examples;

import dev.quota4j.Limit;
import dev.quota4j.LimitMode;
import dev.quota4j.LimitStatus;
import dev.quota4j.Metric;
import dev.quota4j.Overshoot;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaListener;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.ThresholdEvent;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Window;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.reports.ProviderKeyStatus;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.TokenCounter;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Seed 003, provider keys: five upstream API keys (three Groq, two Hugging Face) with daily
 * character quotas; alerts at 80 %, 90 % and 100 %; each call goes to the first key that still has
 * room, reserved atomically, so two callers never both take the last characters of a key; a key at
 * 100 % is disabled until its day ends or an operator resets it ({@link QuotaAdmin}). The stats
 * come from {@link UsageReports#providerKeys}. Negative counts, which the seed accepted, are
 * refused.
 */
public final class ProviderKeys {
  /** One upstream credential. */
  public record Key(String name, String provider) {}

  /** The seed's five keys, in the order they are tried. */
  public static final List<Key> KEYS =
      List.of(
          new Key("groq_1", "groq"),
          new Key("groq_2", "groq"),
          new Key("groq_3", "groq"),
          new Key("huggingface_1", "huggingface"),
          new Key("huggingface_2", "huggingface"));

  /** Daily characters of each Groq key. */
  public static final String GROQ_LIMIT = "groq-key-daily-characters";

  /** Daily characters of each Hugging Face key. */
  public static final String HF_LIMIT = "huggingface-key-daily-characters";

  /**
   * Requests of each key per day: counted to be shown, as the seed counts them; a SHADOW limit
   * never denies and does not change a key's state.
   */
  public static final String REQUESTS_LIMIT = "provider-key-daily-requests";

  /** The policy: a daily character quota per key, by provider, alerting at 80, 90 and 100 %. */
  public static QuotaPolicy policy() {
    return QuotaPolicy.builder()
        .limit(
            Limit.of(GROQ_LIMIT, Metric.CHARACTERS, Window.DAY, 14_400)
                .appliesTo(SubjectKind.PROVIDER_KEY)
                .forProviders("groq")
                .thresholds(80, 90, 100)
                // a key with any room left takes the call; the call that fills it disables it
                .overshoot(Overshoot.ADMIT_IF_ANY))
        .limit(
            Limit.of(HF_LIMIT, Metric.CHARACTERS, Window.DAY, 30_000)
                .appliesTo(SubjectKind.PROVIDER_KEY)
                .forProviders("huggingface")
                .thresholds(80, 90, 100)
                .overshoot(Overshoot.ADMIT_IF_ANY))
        .limit(
            Limit.of(REQUESTS_LIMIT, Metric.REQUESTS, Window.DAY, 10_000)
                .appliesTo(SubjectKind.PROVIDER_KEY)
                .mode(LimitMode.SHADOW))
        .build();
  }

  /** One key's line of the stats. */
  public record KeyStatus(
      String key,
      long requests,
      long characters,
      long quota,
      BigDecimal remainingPercent,
      String status) {}

  private final QuotaManager quotas;

  /** A key pool that admits its calls through {@code quotas}. */
  public ProviderKeys(QuotaManager quotas) {
    this.quotas = quotas;
  }

  /** What a call answered, with the key it used; or the denial when no key had room. */
  public record Answer(@Nullable String key, @Nullable String text, @Nullable QuotaDenial denial) {}

  /** Sends {@code prompt} for {@code userId} through the first key with room left. */
  public Answer generate(String userId, String prompt) {
    long characters = TokenCounter.characters(prompt);
    QuotaDenial last = null;
    for (Key key : KEYS) {
      String model =
          key.provider().equals("groq")
              ? "llama-3.1-8b-instant"
              : "meta-llama/Llama-3.1-8B-Instruct";
      QuotaDecision d =
          quotas.tryReserve(
              UsageRequest.forUser(userId)
                  .operation("question_generation")
                  .provider(key.provider())
                  .providerKey(key.name())
                  .model(model)
                  .characters(characters)
                  .estimatedTokens(prompt, 300));
      if (!d.allowed()) {
        if (d.denial().subject().kind() != SubjectKind.PROVIDER_KEY) {
          return new Answer(null, null, d.denial()); // the user's own limit: no key helps
        }
        last = d.denial();
        continue; // this key is used up today: rotate to the next
      }
      try (Reservation r = d.reservation()) {
        ChatResult a = new FakeLlm(Tokens.COUNTER, model).call(prompt, r.grantedMaxOutputTokens());
        r.commit(Usage.of(a.promptTokens(), a.completionTokens()).withCharacters(characters));
        return new Answer(key.name(), a.text(), null);
      }
    }
    return new Answer(null, null, last);
  }

  /**
   * The seed's stats from {@link UsageReports#providerKeys}: requests, characters, remaining % and
   * available/warning/critical/disabled (warning from 80 %, critical from 90 %, disabled at 100 %).
   */
  public List<KeyStatus> stats() {
    List<KeyStatus> out = new ArrayList<>();
    for (ProviderKeyStatus k :
        UsageReports.of(quotas).providerKeys(KEYS.stream().map(Key::name).toList())) {
      // every provider-key limit is listed for every key; the key's provider says which counts
      String charsLimit = k.key().startsWith("groq") ? GROQ_LIMIT : HF_LIMIT;
      LimitStatus chars = limit(k, charsLimit);
      out.add(
          new KeyStatus(
              k.key(),
              limit(k, REQUESTS_LIMIT).used(),
              chars.used(),
              chars.limit(),
              k.remainingPercent(),
              k.state().name().toLowerCase(Locale.ROOT)));
    }
    return out;
  }

  private static LimitStatus limit(ProviderKeyStatus k, String name) {
    return k.limits().stream().filter(l -> l.limitName().equals(name)).findFirst().orElseThrow();
  }

  /** What {@link #run} returns for its test. */
  public record Result(
      Map<String, Integer> callsPerKey,
      List<String> alerts,
      List<KeyStatus> stats,
      @Nullable QuotaDenial allKeysUsedUp,
      List<KeyStatus> nextDay,
      List<String> refused,
      Instant resetAt,
      List<KeyStatus> afterResetOne,
      @Nullable String keyAfterResetOne,
      int keysResetAll,
      int keysResetAllAgain,
      List<KeyStatus> afterResetAll,
      QuotaManager quotas) {}

  /** Runs the scenario, printing what happens to {@code out}. */
  public static Result run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-02-12T06:00:00Z");
    List<String> alerts = new ArrayList<>();
    QuotaListener alerting =
        new QuotaListener() {
          @Override
          public void onThreshold(ThresholdEvent e) {
            if (e.subject().kind() != SubjectKind.PROVIDER_KEY || e.metric() != Metric.CHARACTERS) {
              return;
            }
            String what =
                e.percent() >= 100
                    ? "ERROR quota exceeded, key disabled until "
                        + Instant.parse("2026-02-13T00:00:00Z")
                    : (e.percent() >= 90 ? "CRITICAL" : "WARNING")
                        + " quota at "
                        + e.percent()
                        + " %";
            String line = e.subject().id() + ": " + what + " (" + e.used() + "/" + e.limit() + ")";
            alerts.add(e.subject().id() + "@" + e.percent());
            out.println("  alert " + line);
          }
        };
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(policy())
            .tokenCounter(Tokens.COUNTER)
            .listener(alerting)
            .clock(clock)
            .defaultLogging(false)
            .build();
    ProviderKeys pool = new ProviderKeys(quotas);

    out.println("-- question generation through five keys, 103,200 characters a day in all");
    Map<String, Integer> perKey = new LinkedHashMap<>();
    QuotaDenial usedUp = null;
    for (int i = 1; i <= 200 && usedUp == null; i++) {
      String topic = "Write five quiz questions about chapter " + i + " of the biology textbook. ";
      String prompt = topic + "Context: cells, membranes, energy. ".repeat(40 + (i * 7) % 30);
      Answer a = pool.generate("quiz-app", prompt);
      if (a.key() != null) {
        perKey.merge(a.key(), 1, Integer::sum);
      } else {
        usedUp = a.denial();
        out.printf(
            Locale.ROOT,
            "  call %d: every key is used up: %s, retry after %s%n",
            i,
            a.denial() == null ? "-" : a.denial().code(),
            a.denial() == null ? "-" : a.denial().retryAfter());
      }
      clock.advance(Duration.ofMinutes(10));
    }
    out.println("  calls per key: " + perKey);
    List<KeyStatus> stats = pool.stats();
    print(out, stats);

    out.println("-- negative counts are refused before anything is charged");
    List<String> refused = new ArrayList<>();
    try {
      var unused = Usage.of(10, 10).withCharacters(-500);
    } catch (IllegalArgumentException e) {
      refused.add(e.getMessage());
      out.println("  " + e.getMessage());
    }
    try {
      var unused = UsageRequest.forUser("quiz-app").providerKey("groq_1").characters(-500).build();
    } catch (IllegalArgumentException e) {
      refused.add(e.getMessage());
      out.println("  " + e.getMessage());
    }

    out.println("-- an operator resets groq_1 (one limit), then every key (seed 003's reset)");
    Instant resetAt = clock.instant();
    QuotaAdmin admin = QuotaAdmin.of(quotas);
    boolean reset = admin.reset(SubjectRef.providerKey("groq_1"), GROQ_LIMIT, "ticket-4711");
    List<KeyStatus> afterResetOne = pool.stats();
    out.println("  reset groq_1: " + reset);
    print(out, afterResetOne.subList(0, 2));
    Answer next = pool.generate("quiz-app", "Write one quiz question about mitochondria.");
    out.println("  the next call goes to " + next.key());
    List<String> names = KEYS.stream().map(Key::name).toList();
    int all = admin.resetProviderKeys(names, "ticket-4712");
    int again = admin.resetProviderKeys(names, "ticket-4712"); // a retried request
    out.printf(Locale.ROOT, "  reset all: %d keys (retried: %d)%n", all, again);
    List<KeyStatus> afterResetAll = pool.stats();
    print(out, afterResetAll);

    out.println("-- the next day every key is available again");
    clock.set(Instant.parse("2026-02-13T00:00:00Z"));
    List<KeyStatus> nextDay = pool.stats();
    print(out, nextDay);
    return new Result(
        perKey,
        List.copyOf(alerts),
        stats,
        usedUp,
        nextDay,
        refused,
        resetAt,
        afterResetOne,
        next.key(),
        all,
        again,
        afterResetAll,
        quotas);
  }

  private static void print(PrintStream out, List<KeyStatus> stats) {
    for (KeyStatus s : stats) {
      out.printf(
          Locale.ROOT,
          "  %-14s %3d requests %6d / %6d characters  %5s %% left  %s%n",
          s.key(),
          s.requests(),
          s.characters(),
          s.quota(),
          s.remainingPercent().toPlainString(),
          s.status());
    }
  }

  /** Runs the scenario on standard output. */
  public static void main(String[] args) {
    var unused = run(System.out);
  }
}
