package dev.quota4j.dashboard;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.Limit;
import dev.quota4j.QuotaManager;
import dev.quota4j.UsageLevel;
import dev.quota4j.dashboard.Charts.Bar;
import dev.quota4j.dashboard.Charts.Column;
import dev.quota4j.dashboard.DashboardData.Scan;
import dev.quota4j.dashboard.DashboardData.UserPeak;
import dev.quota4j.reports.AgentStats;
import dev.quota4j.reports.DayUsage;
import dev.quota4j.reports.HourLoad;
import dev.quota4j.reports.PeriodStats;
import dev.quota4j.reports.ProviderKeyStatus;
import dev.quota4j.reports.StatsRow;
import dev.quota4j.reports.TopEntry;
import dev.quota4j.reports.UsageReports;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One self-contained HTML page of a store's usage over a range, built from {@link UsageReports}:
 * the system's hourly load against its cap, the top users' busiest day against their daily token
 * limit (with its level), top agents and tools with error rates, denials by code, cost by model and
 * by provider, the 30 days up to the range's end, and where the provider keys stand now.
 *
 * <pre>{@code
 * UsageDashboard dashboard = UsageDashboard.builder(quotas).title("Acme assistant").build();
 * dashboard.write(Path.of("usage.html"), from, to);
 * }</pre>
 *
 * <p>The page loads nothing: charts are inline SVG, its style and one small script are inline, and
 * its Content-Security-Policy forbids every other source. Figures are those of the reports'
 * conventions: UTC hours and days, calls are SUCCESS and ERROR events, tokens are input plus
 * output, money in the prices' currency shown as dollars. Each chart's points carry their exact
 * figures as {@code data-key} and {@code data-value} attributes.
 *
 * <p>Thread-safe and stateless apart from its settings; each page reads the store afresh.
 */
public final class UsageDashboard {
  /** The most users, agents or tools a list shows. */
  public static final int MAX_TOP = 100;

  /** Default number of users, agents and tools listed. */
  public static final int DEFAULT_TOP = 10;

  /** Days the trend chart covers, up to and including the range's last day. */
  public static final int TREND_DAYS = 30;

  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY_HOUR =
      DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final QuotaManager manager;
  private final UsageReports reports;
  private final String title;
  private final int top;
  private final List<String> providerKeys;

  private UsageDashboard(Builder b) {
    this.manager = b.manager;
    this.reports = UsageReports.of(b.manager);
    this.title = b.title;
    this.top = b.top;
    this.providerKeys = List.copyOf(b.providerKeys);
  }

  /** A dashboard of the manager's store, policy and clock. */
  public static Builder builder(QuotaManager manager) {
    if (manager == null) {
      throw new IllegalArgumentException("manager must not be null");
    }
    return new Builder(manager);
  }

  /** The manager whose store the page reads; its clock says what "now" is. */
  public QuotaManager manager() {
    return manager;
  }

  /**
   * The page for {@code from <= time < to}.
   *
   * @throws IllegalArgumentException when {@code to} is not after {@code from}, or the range is
   *     longer than the reports allow ({@link UsageReports#MAX_BUCKETS} hours)
   */
  public String html(Instant from, Instant to) {
    if (from == null || to == null || !to.isAfter(from)) {
      throw new IllegalArgumentException(
          "to must be after from (from " + from + ", to " + to + ")");
    }
    return render(from, to);
  }

  /** Writes the page for the range to {@code out}; see {@link #html}. */
  public void write(Writer out, Instant from, Instant to) throws IOException {
    out.write(html(from, to));
    out.flush();
  }

  /**
   * Writes the page for the range to {@code file} as UTF-8, creating its directory; see {@link
   * #html}.
   *
   * @return the file
   */
  @CanIgnoreReturnValue
  public Path write(Path file, Instant from, Instant to) throws IOException {
    String page = html(from, to);
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Files.writeString(file, page, StandardCharsets.UTF_8);
    return file;
  }

  private String render(Instant from, Instant to) {
    List<HourLoad> hours = reports.systemHourlyLoad(from, to);
    PeriodStats period = reports.periodStats(null, from, to);
    List<UserPeak> users = DashboardData.topUsers(manager, reports, from, to, top);
    List<AgentStats> agents = reports.agentStats(from, to);
    agents = agents.subList(0, Math.min(top, agents.size()));
    List<TopEntry> tools = reports.topTools(from, to, top);
    Scan scan = DashboardData.scan(manager, from, to);
    LocalDate last = to.minusNanos(1).atZone(ZoneOffset.UTC).toLocalDate();
    List<DayUsage> trend = reports.history(null, last.minusDays(TREND_DAYS - 1L), last);
    Set<String> keys = new LinkedHashSet<>(providerKeys);
    keys.addAll(scan.providerKeys());
    List<ProviderKeyStatus> keyStates = reports.providerKeys(keys);

    StringBuilder s = new StringBuilder(64 * 1024);
    s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"")
        .append(DashboardHandler.CONTENT_SECURITY_POLICY)
        .append("\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>")
        .append(Charts.escape(title))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body>");
    StatsRow total = period.total();
    s.append("<header><h1>")
        .append(Charts.escape(title))
        .append("</h1><p class=\"range\">")
        .append(STAMP.format(from))
        .append(" to ")
        .append(STAMP.format(to))
        .append(" &middot; generated ")
        .append(STAMP.format(manager.clock().instant()))
        .append("</p><div class=\"totals\">");
    long denials = scan.denialsByCode().values().stream().mapToLong(Long::longValue).sum();
    figure(s, "calls", Charts.count(total.calls()));
    figure(s, "errors", Charts.count(total.errors()));
    figure(s, "denials", Charts.count(denials));
    figure(s, "tokens", Charts.count(total.totalTokens()));
    figure(s, "cost", Charts.money(total.cost()));
    s.append("</div></header><main>");

    section(s, "wide", "System load per hour", hourly(hours, systemThresholds(hours)));
    section(
        s, "", "Top users by tokens: busiest day against their daily token limit", users(users));
    section(s, "", "Denials by code", denials(scan.denialsByCode()));
    section(s, "", "Top agents (tokens; error rate)", agents(agents));
    section(s, "", "Top tools (tokens; calls)", tools(tools));
    section(s, "", "Cost by model", costByModel(period.byProviderModel()));
    section(s, "", "Cost by provider", costByProvider(period.byProviderModel()));
    section(s, "wide", "Tokens per day, the last " + TREND_DAYS + " days", trend(trend));
    section(s, "", "Provider keys now (remaining)", keys(keyStates));
    s.append("</main><footer>quota4j usage dashboard &middot; ")
        .append("levels: <span class=\"swatch lvl-ok\"></span>OK ")
        .append("<span class=\"swatch lvl-warning\"></span>warning ")
        .append("<span class=\"swatch lvl-critical\"></span>critical ")
        .append("<span class=\"swatch lvl-exceeded\"></span>exceeded</footer>")
        .append("<script>")
        .append(SCRIPT)
        .append("</script></body></html>\n");
    return s.toString();
  }

  private static void figure(StringBuilder s, String name, String value) {
    s.append("<div class=\"figure\" data-figure=\"")
        .append(name)
        .append("\"><span class=\"n\">")
        .append(Charts.escape(value))
        .append("</span><span class=\"what\">")
        .append(name)
        .append("</span></div>");
  }

  private static void section(StringBuilder s, String css, String heading, String chart) {
    s.append("<section class=\"card ")
        .append(css)
        .append("\"><h2>")
        .append(Charts.escape(heading))
        .append("</h2>")
        .append(chart)
        .append("</section>");
  }

  /** The thresholds of the system's hourly limit the load report compares with. */
  private List<Integer> systemThresholds(List<HourLoad> hours) {
    String name = hours.isEmpty() ? null : hours.get(0).limitName();
    return manager.policy().limits().stream()
        .filter(l -> l.name().equals(name))
        .map(Limit::thresholds)
        .findFirst()
        .orElse(Limit.DEFAULT_THRESHOLDS);
  }

  private static String hourly(List<HourLoad> hours, List<Integer> thresholds) {
    long cap = hours.isEmpty() ? 0 : hours.get(0).limit();
    boolean shortRange = hours.size() <= 48;
    List<Column> cols = new ArrayList<>();
    for (HourLoad h : hours) {
      String css = cap > 0 ? level(UsageLevel.of(h.totalTokens(), cap, thresholds)) : "lvl-ok";
      cols.add(
          new Column(
              h.hour().toString(),
              (shortRange ? HOUR : DAY_HOUR).format(h.hour()),
              h.totalTokens(),
              Long.toString(h.totalTokens()),
              DAY_HOUR.format(h.hour())
                  + ": "
                  + Charts.count(h.totalTokens())
                  + " tokens ("
                  + Charts.percent(h.capacityPercent())
                  + "), "
                  + Charts.count(h.calls())
                  + " calls, "
                  + Charts.count(h.denials())
                  + " denied",
              css));
    }
    String capText = cap > 0 ? "cap " + Charts.compact((double) cap) : "";
    return Charts.columns(
        "hourly-load",
        "tokens per hour against the system's hourly cap",
        cols,
        (double) cap,
        capText,
        Math.max(1, hours.size() / 12));
  }

  private static String users(List<UserPeak> users) {
    List<Bar> bars = new ArrayList<>();
    for (UserPeak u : users) {
      UsageLevel lvl = u.peakLevel();
      double measure =
          u.dailyTokenLimit() > 0 ? u.peakDayTokens() / (double) u.dailyTokenLimit() : 0;
      String text =
          Charts.count(u.peakDayTokens())
              + (u.dailyTokenLimit() > 0 ? " / " + Charts.count(u.dailyTokenLimit()) : "")
              + (lvl == null ? "" : " " + lvl)
              + " \u00b7 "
              + Charts.money(u.cost());
      Map<String, String> data = new LinkedHashMap<>();
      data.put("limit", Long.toString(u.dailyTokenLimit()));
      data.put("level", lvl == null ? "" : lvl.name());
      data.put("plan", u.plan() == null ? "" : u.plan());
      bars.add(
          new Bar(
              u.user(),
              u.user() + (u.plan() == null ? "" : " (" + u.plan() + ")"),
              measure,
              Long.toString(u.peakDayTokens()),
              text,
              lvl == null ? "lvl-none" : level(lvl),
              data));
    }
    return Charts.bars("users", "each top user's busiest day against the limit", bars, 1.0);
  }

  private static String denials(Map<String, Long> byCode) {
    List<Bar> bars = new ArrayList<>();
    long max = byCode.values().stream().mapToLong(Long::longValue).max().orElse(0);
    byCode.forEach(
        (code, n) ->
            bars.add(
                new Bar(code, code, n, Long.toString(n), Charts.count(n), "denied", Map.of())));
    return Charts.bars("denials", "denials by code", bars, (double) max);
  }

  private static String agents(List<AgentStats> agents) {
    List<Bar> bars = new ArrayList<>();
    long max = agents.stream().mapToLong(AgentStats::totalTokens).max().orElse(0);
    for (AgentStats a : agents) {
      bars.add(
          new Bar(
              a.agent(),
              a.agent(),
              a.totalTokens(),
              Long.toString(a.totalTokens()),
              Charts.count(a.totalTokens())
                  + " \u00b7 "
                  + a.errorRatePercent().stripTrailingZeros().toPlainString()
                  + " % errors",
              "tokens",
              Map.of(
                  "error-rate",
                  a.errorRatePercent().toPlainString(),
                  "calls",
                  Long.toString(a.calls()))));
    }
    return Charts.bars("agents", "top agents by tokens", bars, (double) max);
  }

  private static String tools(List<TopEntry> tools) {
    List<Bar> bars = new ArrayList<>();
    long max = tools.stream().mapToLong(TopEntry::totalTokens).max().orElse(0);
    for (TopEntry t : tools) {
      String key = (t.agent() == null ? "" : t.agent() + ".") + t.tool();
      bars.add(
          new Bar(
              key,
              key,
              t.totalTokens(),
              Long.toString(t.totalTokens()),
              Charts.count(t.totalTokens()) + " \u00b7 " + Charts.count(t.calls()) + " calls",
              "tokens",
              Map.of("calls", Long.toString(t.calls()))));
    }
    return Charts.bars("tools", "top tools by tokens", bars, (double) max);
  }

  private static String costByModel(List<StatsRow> rows) {
    List<Bar> bars = new ArrayList<>();
    List<StatsRow> sorted = new ArrayList<>(rows);
    sorted.sort((a, b) -> b.cost().compareTo(a.cost()));
    double max = sorted.isEmpty() ? 0 : sorted.get(0).cost().doubleValue();
    for (StatsRow r : sorted) {
      String key = r.provider() + "/" + r.model();
      bars.add(
          new Bar(
              key,
              String.valueOf(r.model()),
              r.cost().doubleValue(),
              r.cost().toPlainString(),
              Charts.money(r.cost()) + " \u00b7 " + Charts.count(r.calls()) + " calls",
              "money",
              Map.of("provider", String.valueOf(r.provider()))));
    }
    return Charts.bars("cost-by-model", "cost by model", bars, max);
  }

  private static String costByProvider(List<StatsRow> rows) {
    Map<String, BigDecimal> byProvider = new LinkedHashMap<>();
    for (StatsRow r : rows) {
      byProvider.merge(String.valueOf(r.provider()), r.cost(), BigDecimal::add);
    }
    List<Map.Entry<String, BigDecimal>> sorted = new ArrayList<>(byProvider.entrySet());
    sorted.sort((a, b) -> b.getValue().compareTo(a.getValue()));
    double max = sorted.isEmpty() ? 0 : sorted.get(0).getValue().doubleValue();
    List<Bar> bars = new ArrayList<>();
    for (Map.Entry<String, BigDecimal> en : sorted) {
      bars.add(
          new Bar(
              en.getKey(),
              en.getKey(),
              en.getValue().doubleValue(),
              en.getValue().toPlainString(),
              Charts.money(en.getValue()),
              "money",
              Map.of()));
    }
    return Charts.bars("cost-by-provider", "cost by provider", bars, max);
  }

  private static String trend(List<DayUsage> days) {
    List<Column> cols = new ArrayList<>();
    for (DayUsage d : days) {
      cols.add(
          new Column(
              d.day().toString(),
              d.day().toString().substring(5),
              d.totalTokens(),
              Long.toString(d.totalTokens()),
              d.day()
                  + ": "
                  + Charts.count(d.totalTokens())
                  + " tokens, "
                  + Charts.count(d.calls())
                  + " calls, "
                  + Charts.count(d.denials())
                  + " denied, "
                  + Charts.money(d.cost()),
              "tokens"));
    }
    return Charts.columns("trend", "tokens per UTC day", cols, 0, "", 5);
  }

  private static String keys(List<ProviderKeyStatus> keys) {
    List<Bar> bars = new ArrayList<>();
    for (ProviderKeyStatus k : keys) {
      bars.add(
          new Bar(
              k.key(),
              k.key(),
              k.remainingPercent().doubleValue(),
              k.remainingPercent().toPlainString(),
              Charts.percent(k.remainingPercent()) + " left \u00b7 " + k.state(),
              "key-" + k.state().name().toLowerCase(Locale.ROOT),
              Map.of("state", k.state().name())));
    }
    return Charts.bars("provider-keys", "provider keys' remaining percentage", bars, 100);
  }

  private static String level(UsageLevel level) {
    return "lvl-" + level.name().toLowerCase(Locale.ROOT);
  }

  private static final String STYLE =
      "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
          + "margin:0;background:#f4f5f7;color:#1f2328}"
          + "header{padding:16px 24px 8px}h1{font-size:20px;margin:0}"
          + ".range{color:#57606a;margin:4px 0 12px}"
          + ".totals{display:flex;gap:12px;flex-wrap:wrap}"
          + ".figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 14px}"
          + ".figure .n{display:block;font-size:20px;font-weight:600}"
          + ".figure .what{color:#57606a;font-size:12px}"
          + "main{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:16px;"
          + "padding:8px 24px 16px}"
          + ".card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;"
          + "overflow-x:auto}.card.wide{grid-column:1/-1}"
          + "h2{font-size:15px;margin:0 0 8px}"
          + "svg.chart{max-width:100%;height:auto}"
          + "svg text{font-size:12px;fill:#1f2328}svg .tick{fill:#57606a;font-size:11px}"
          + "svg .none{fill:#8c959f}svg .axis{stroke:#8c959f}"
          + "svg .cap{stroke:#c62828;stroke-dasharray:6 4;stroke-width:1.5}"
          + "svg .cap-label{fill:#c62828}"
          + ".lvl-ok{fill:#2e7d32;background:#2e7d32}.lvl-warning{fill:#f9a825;background:#f9a825}"
          + ".lvl-critical{fill:#ef6c00;background:#ef6c00}"
          + ".lvl-exceeded{fill:#c62828;background:#c62828}.lvl-none{fill:#8c959f}"
          + ".tokens{fill:#1f6feb}.money{fill:#8250df}.denied{fill:#c62828}"
          + ".key-available{fill:#2e7d32}.key-warning{fill:#f9a825}.key-critical{fill:#ef6c00}"
          + ".key-disabled{fill:#c62828}"
          + "footer{color:#57606a;padding:0 24px 24px;font-size:12px}"
          + ".swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px;"
          + "border-radius:2px}";

  /** Checks that every chart drew the points it announces, and says so on the root element. */
  private static final String SCRIPT =
      "(function(){var charts=document.querySelectorAll('svg.chart'),bad=[];"
          + "charts.forEach(function(c){var n=c.querySelectorAll('.point').length;"
          + "if(String(n)!==c.getAttribute('data-points')){bad.push(c.getAttribute('data-chart'));}"
          + "});"
          + "if(bad.length){console.error('charts with missing points: '+bad.join(', '));}"
          + "document.documentElement.setAttribute('data-charts-checked',String(charts.length));"
          + "})();";

  /** Settings of a dashboard. */
  public static final class Builder {
    private final QuotaManager manager;
    private String title = "quota4j usage";
    private int top = DEFAULT_TOP;
    private List<String> providerKeys = List.of();

    private Builder(QuotaManager manager) {
      this.manager = manager;
    }

    /** The page's title and heading; default {@code quota4j usage}. */
    public Builder title(String value) {
      if (value == null || value.isBlank() || value.length() > 200) {
        throw new IllegalArgumentException(
            "title must be 1 to 200 characters and not blank, got " + value);
      }
      this.title = value;
      return this;
    }

    /** How many users, agents and tools the lists show, 1 to {@value #MAX_TOP}; default 10. */
    public Builder top(int value) {
      if (value < 1 || value > MAX_TOP) {
        throw new IllegalArgumentException("top must be 1 to " + MAX_TOP + ", got " + value);
      }
      this.top = value;
      return this;
    }

    /**
     * Provider keys always shown, in this order, before the others that the range's events name;
     * default none.
     */
    public Builder providerKeys(List<String> keys) {
      List<String> copy = new ArrayList<>();
      for (String k : keys) {
        if (k == null || k.isBlank()) {
          throw new IllegalArgumentException("providerKeys must not hold a blank key: " + keys);
        }
        copy.add(k);
      }
      this.providerKeys = List.copyOf(copy);
      return this;
    }

    /** The dashboard. */
    public UsageDashboard build() {
      return new UsageDashboard(this);
    }
  }

  /** The start of the hour after {@code now}: the end of a range that holds the current hour. */
  static Instant endOfHour(Instant now) {
    return now.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
  }
}
