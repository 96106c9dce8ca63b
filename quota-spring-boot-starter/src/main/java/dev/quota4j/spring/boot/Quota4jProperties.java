package dev.quota4j.spring.boot;

import dev.quota4j.FailMode;
import dev.quota4j.LimitMode;
import dev.quota4j.Metric;
import dev.quota4j.Overshoot;
import dev.quota4j.SubjectKind;
import dev.quota4j.UnknownSubjects;
import dev.quota4j.Window;
import dev.quota4j.jdbc.SchemaMode;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code quota4j.*} properties. Every value is checked at start-up; a bad one fails it with a
 * message that names the property and the value.
 */
@ConfigurationProperties("quota4j")
public class Quota4jProperties {

  /** Whether quota4j is configured at all. */
  private boolean enabled = true;

  /** The time zone of calendar windows (days, weeks, months), such as Europe/Berlin. */
  private String zone = "UTC";

  /** What admission does with a user or anonymous session that is not in the directory. */
  private UnknownSubjects unknownSubjects = UnknownSubjects.AUTO_CREATE;

  /** What happens when the store cannot be reached: refuse calls, or admit and journal them. */
  private FailMode failMode = FailMode.FAIL_CLOSED;

  /**
   * The file that keeps usage admitted while the store is unreachable (FAIL_OPEN). Without it the
   * journal is kept in memory and is lost when the process ends.
   */
  private @Nullable Path journalPath;

  /** How long a reservation holds its capacity unless extended. */
  private Duration lease = Duration.ofMinutes(5);

  /** The plan a new subject gets when its kind has none in default-plans. */
  private @Nullable String defaultPlan;

  /** The plan a new subject of each kind gets (user, api-key, anonymous, tenant). */
  private Map<SubjectKind, String> defaultPlans = new EnumMap<>(SubjectKind.class);

  /** The plans: each a set of limits and feature gates, by plan name. */
  private Map<String, PlanProperties> plans = new LinkedHashMap<>();

  /** Limits of the service as a whole (the system subject), by limit name. */
  private Map<String, LimitProperties> systemLimits = new LinkedHashMap<>();

  /** The store. */
  private final Store store = new Store();

  /** Retention, compaction and lease reclaim, scheduled on the application's task scheduler. */
  private final Retention retention = new Retention();

  /** HTTP answers. */
  private final Http http = new Http();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getZone() {
    return zone;
  }

  public void setZone(String zone) {
    this.zone = zone;
  }

  public UnknownSubjects getUnknownSubjects() {
    return unknownSubjects;
  }

  public void setUnknownSubjects(UnknownSubjects unknownSubjects) {
    this.unknownSubjects = unknownSubjects;
  }

  public FailMode getFailMode() {
    return failMode;
  }

  public void setFailMode(FailMode failMode) {
    this.failMode = failMode;
  }

  public @Nullable Path getJournalPath() {
    return journalPath;
  }

  public void setJournalPath(@Nullable Path journalPath) {
    this.journalPath = journalPath;
  }

  public Duration getLease() {
    return lease;
  }

  public void setLease(Duration lease) {
    this.lease = lease;
  }

  public @Nullable String getDefaultPlan() {
    return defaultPlan;
  }

  public void setDefaultPlan(@Nullable String defaultPlan) {
    this.defaultPlan = defaultPlan;
  }

  public Map<SubjectKind, String> getDefaultPlans() {
    return defaultPlans;
  }

  public void setDefaultPlans(Map<SubjectKind, String> defaultPlans) {
    this.defaultPlans = defaultPlans;
  }

  public Map<String, PlanProperties> getPlans() {
    return plans;
  }

  public void setPlans(Map<String, PlanProperties> plans) {
    this.plans = plans;
  }

  public Map<String, LimitProperties> getSystemLimits() {
    return systemLimits;
  }

  public void setSystemLimits(Map<String, LimitProperties> systemLimits) {
    this.systemLimits = systemLimits;
  }

  public Store getStore() {
    return store;
  }

  public Retention getRetention() {
    return retention;
  }

  public Http getHttp() {
    return http;
  }

  /** A plan: its limits and feature gates. */
  public static class PlanProperties {
    /** The plan's limits, by limit name. */
    private Map<String, LimitProperties> limits = new LinkedHashMap<>();

    /** The only operations the plan allows (empty: all). */
    private List<String> allowOperations = new ArrayList<>();

    /** Operations the plan denies. */
    private List<String> denyOperations = new ArrayList<>();

    /** Model-name prefixes the plan allows (empty: all). */
    private List<String> allowModels = new ArrayList<>();

    /** Model-name prefixes the plan denies. */
    private List<String> denyModels = new ArrayList<>();

    public Map<String, LimitProperties> getLimits() {
      return limits;
    }

    public void setLimits(Map<String, LimitProperties> limits) {
      this.limits = limits;
    }

    public List<String> getAllowOperations() {
      return allowOperations;
    }

    public void setAllowOperations(List<String> allowOperations) {
      this.allowOperations = allowOperations;
    }

    public List<String> getDenyOperations() {
      return denyOperations;
    }

    public void setDenyOperations(List<String> denyOperations) {
      this.denyOperations = denyOperations;
    }

    public List<String> getAllowModels() {
      return allowModels;
    }

    public void setAllowModels(List<String> allowModels) {
      this.allowModels = allowModels;
    }

    public List<String> getDenyModels() {
      return denyModels;
    }

    public void setDenyModels(List<String> denyModels) {
      this.denyModels = denyModels;
    }
  }

  /** One limit. */
  public static class LimitProperties {
    /** What it counts. */
    private Metric metric = Metric.TOKENS;

    /** Its window. */
    private Window window = Window.DAY;

    /** How much the window allows, in the metric's unit (not for cost: use cost). */
    private @Nullable Long amount;

    /** For the COST metric: how much money the window allows. */
    private @Nullable BigDecimal cost;

    /** ENFORCE denies; SOFT warns; SHADOW only counts. */
    private LimitMode mode = LimitMode.ENFORCE;

    /** What to do with a call whose estimate does not fit. */
    private Overshoot overshoot = Overshoot.REJECT;

    /** Percentages at which listeners hear a threshold event (default 75, 90, 100). */
    private List<Integer> thresholds = new ArrayList<>();

    /** Only calls to these providers count (empty: all). */
    private Set<String> providers = Set.of();

    /** Only calls to models with these name prefixes count (empty: all). */
    private Set<String> models = Set.of();

    /** Only these operations count (empty: all). */
    private Set<String> operations = Set.of();

    public Metric getMetric() {
      return metric;
    }

    public void setMetric(Metric metric) {
      this.metric = metric;
    }

    public Window getWindow() {
      return window;
    }

    public void setWindow(Window window) {
      this.window = window;
    }

    public @Nullable Long getAmount() {
      return amount;
    }

    public void setAmount(@Nullable Long amount) {
      this.amount = amount;
    }

    public @Nullable BigDecimal getCost() {
      return cost;
    }

    public void setCost(@Nullable BigDecimal cost) {
      this.cost = cost;
    }

    public LimitMode getMode() {
      return mode;
    }

    public void setMode(LimitMode mode) {
      this.mode = mode;
    }

    public Overshoot getOvershoot() {
      return overshoot;
    }

    public void setOvershoot(Overshoot overshoot) {
      this.overshoot = overshoot;
    }

    public List<Integer> getThresholds() {
      return thresholds;
    }

    public void setThresholds(List<Integer> thresholds) {
      this.thresholds = thresholds;
    }

    public Set<String> getProviders() {
      return providers;
    }

    public void setProviders(Set<String> providers) {
      this.providers = providers;
    }

    public Set<String> getModels() {
      return models;
    }

    public void setModels(Set<String> models) {
      this.models = models;
    }

    public Set<String> getOperations() {
      return operations;
    }

    public void setOperations(Set<String> operations) {
      this.operations = operations;
    }
  }

  /** The store: the application's DataSource, or in memory when it has none. */
  public static class Store {
    /** What to do about the tables at start-up: INSTALL, VALIDATE or NONE. */
    private SchemaMode schemaMode = SchemaMode.VALIDATE;

    /** The prefix of every table name. */
    private String tablePrefix = "quota_";

    /**
     * Whether a reservation reports where its limits stood (rate-limit headers of admitted calls
     * need it). On H2 and MySQL/MariaDB it costs one more statement per reservation.
     */
    private boolean reportCounters = true;

    public boolean isReportCounters() {
      return reportCounters;
    }

    public void setReportCounters(boolean reportCounters) {
      this.reportCounters = reportCounters;
    }

    public SchemaMode getSchemaMode() {
      return schemaMode;
    }

    public void setSchemaMode(SchemaMode schemaMode) {
      this.schemaMode = schemaMode;
    }

    public String getTablePrefix() {
      return tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix;
    }
  }

  /** Retention and maintenance. */
  public static class Retention {
    /** Whether retention, compaction and lease reclaim are scheduled. */
    private boolean enabled = true;

    /** Ledger events older than this are rolled into daily summaries and deleted. */
    private Duration eventAge = dev.quota4j.RetentionPolicy.DEFAULT_EVENT_AGE;

    /** Counters whose window ended longer ago than this are deleted. */
    private Duration counterAge = dev.quota4j.RetentionPolicy.DEFAULT_COUNTER_AGE;

    /** How often retention runs. */
    private Duration interval = Duration.ofHours(1);

    /** How often the ledger is compacted and ended leases reclaimed. */
    private Duration maintenanceInterval = Duration.ofMinutes(1);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getEventAge() {
      return eventAge;
    }

    public void setEventAge(Duration eventAge) {
      this.eventAge = eventAge;
    }

    public Duration getCounterAge() {
      return counterAge;
    }

    public void setCounterAge(Duration counterAge) {
      this.counterAge = counterAge;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public Duration getMaintenanceInterval() {
      return maintenanceInterval;
    }

    public void setMaintenanceInterval(Duration maintenanceInterval) {
      this.maintenanceInterval = maintenanceInterval;
    }
  }

  /** HTTP answers (Spring MVC). */
  public static class Http {
    /** Whether QuotaExceededException is answered as a problem detail with rate-limit headers. */
    private boolean problemDetails = true;

    /** The base URI of problem types; unset: about:blank. */
    private @Nullable URI problemTypeBase;

    /**
     * The subject kinds whose limit names and amounts answers may show (the caller's own by
     * default; never list SYSTEM or PROVIDER_KEY unless callers may see them).
     */
    private Set<SubjectKind> exposedSubjects =
        Set.of(SubjectKind.USER, SubjectKind.API_KEY, SubjectKind.ANONYMOUS);

    public boolean isProblemDetails() {
      return problemDetails;
    }

    public void setProblemDetails(boolean problemDetails) {
      this.problemDetails = problemDetails;
    }

    public @Nullable URI getProblemTypeBase() {
      return problemTypeBase;
    }

    public void setProblemTypeBase(@Nullable URI problemTypeBase) {
      this.problemTypeBase = problemTypeBase;
    }

    public Set<SubjectKind> getExposedSubjects() {
      return exposedSubjects;
    }

    public void setExposedSubjects(Set<SubjectKind> exposedSubjects) {
      this.exposedSubjects = exposedSubjects;
    }
  }
}
