package dev.quota4j.examples;

import dev.quota4j.DenialCodes;
import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.LimitStatus;
import dev.quota4j.QuotaAdmin;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaDenial;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaStatus;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectRef;
import dev.quota4j.UnknownSubjects;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Workflow;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.QuotaStore;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.testing.MutableClock;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seed 000, the supervisor agent: one planning call, then one agent call per plan step. Per-request
 * caps for planning (8,000 tokens) and agent calls (4,000), user daily token and request quotas
 * (with per-user overrides from the directory), the system-wide hourly cap, at most so many steps
 * per workflow and workflows at once, all from the seed's environment variables. A denied call
 * answers like the seed's endpoint: an HTTP status and a JSON error body with the details.
 */
public final class SupervisorAgent {
  /** The model that plans. */
  public static final String PLANNER_MODEL = "gpt-4o";

  /** The model the agents use. */
  public static final String AGENT_MODEL = "gpt-4o-mini";

  /** Output budget of a planning call (the seed's "+2000 estimated response size"). */
  public static final long PLANNING_MAX_OUTPUT = 2_000;

  /** Output budget of an agent call. */
  public static final long AGENT_MAX_OUTPUT = 1_500;

  private static final String SYSTEM_PROMPT =
      "You are the Supervisor agent. Break the user's request into steps. Answer one step per"
          + " line as agent.tool: description. Agents: gmail_agent (search_emails, send_email),"
          + " docs_agent (create_doc, summarise_doc), calendar_agent (find_slot, create_event).";

  /** One step of a plan. */
  public record Step(String agent, String tool, String description) {}

  /**
   * What the {@code POST /workflow} endpoint answers.
   *
   * @param status 200, or the denial's status (see {@link Denials#httpStatus})
   * @param body the JSON body
   * @param workflowId the workflow, if one was opened
   * @param completedSteps agent calls that ran, as {@code agent.tool}
   * @param denial the denial, for a status other than 200
   */
  public record Response(
      int status,
      String body,
      String workflowId,
      List<String> completedSteps,
      @org.jspecify.annotations.Nullable QuotaDenial denial) {}

  private final QuotaManager quotas;
  private final FakeLlm planner;
  private final FakeLlm agents;
  private final Clock clock;

  /** A supervisor that admits its calls through {@code quotas}. */
  public SupervisorAgent(QuotaManager quotas) {
    this.quotas = quotas;
    this.clock = quotas.clock();
    this.planner = new FakeLlm(Tokens.COUNTER, PLANNER_MODEL, SupervisorAgent::planFor);
    this.agents = new FakeLlm(Tokens.COUNTER, AGENT_MODEL, SupervisorAgent::agentAnswer);
  }

  /** {@code POST /workflow {user_id, input}}: plans, then runs each step. */
  public Response workflow(String userId, String input) {
    Workflow wf;
    try {
      wf = quotas.openWorkflow(SubjectRef.user(userId)); // max concurrent workflows
    } catch (QuotaExceededException e) {
      return denied(e.denial(), "", List.of());
    }
    try (wf) {
      // 1. planning: estimate, check caps and quotas atomically, call, record what was used
      String prompt = SYSTEM_PROMPT + "\n\nUser: " + input;
      QuotaDecision d =
          wf.tryReserve(
              UsageRequest.forUser(userId)
                  .operation("planning")
                  .model(PLANNER_MODEL)
                  .estimatedTokens(prompt, PLANNING_MAX_OUTPUT));
      if (!d.allowed()) {
        return denied(d.denial(), wf.id(), List.of());
      }
      List<Step> plan;
      try (Reservation r = d.reservation()) {
        ChatResult answer = planner.call(prompt, r.grantedMaxOutputTokens());
        r.commit(
            Usage.of(answer.promptTokens(), answer.completionTokens()).withModel(PLANNER_MODEL));
        plan = parsePlan(answer.text());
      }
      QuotaDenial tooLong = planTooLong(wf, plan.size());
      if (tooLong != null) {
        return denied(tooLong, wf.id(), List.of()); // before any agent call is paid for
      }

      // 2. one agent call per step; a denial stops the workflow
      List<String> done = new ArrayList<>();
      List<Object> results = new ArrayList<>();
      for (Step step : plan) {
        String stepPrompt = step.agent() + "." + step.tool() + ": " + step.description();
        QuotaDecision s =
            wf.tryReserve(
                UsageRequest.forUser(userId)
                    .operation("agent_call")
                    .agent(step.agent())
                    .tool(step.tool())
                    .model(AGENT_MODEL)
                    .estimatedTokens(stepPrompt, AGENT_MAX_OUTPUT));
        if (!s.allowed()) {
          return denied(s.denial(), wf.id(), done);
        }
        try (Reservation r = s.reservation()) {
          ChatResult answer = agents.call(stepPrompt, r.grantedMaxOutputTokens());
          r.commit(
              Usage.of(answer.promptTokens(), answer.completionTokens()).withModel(AGENT_MODEL));
          done.add(step.agent() + "." + step.tool());
          results.add(
              Json.object()
                  .put("step", step.agent() + "." + step.tool())
                  .put("tokens", answer.totalTokens()));
        }
      }
      String body =
          Json.object()
              .put("status", "success")
              .put("workflow_id", wf.id())
              .put("steps", results)
              .toString();
      return new Response(200, body, wf.id(), List.copyOf(done), null);
    }
  }

  /** {@code GET /quota/status?user_id=...}: where each of the user's limits stands. */
  public String quotaStatus(String userId) {
    QuotaStatus st = quotas.status(SubjectRef.user(userId));
    if (!st.known() && !st.active()) {
      return Json.object().put("error", "User not found").toString(); // as the seed answers
    }
    List<Object> limits = new ArrayList<>();
    for (LimitStatus l : st.limits()) {
      if (l.windowStart() == null) {
        continue; // per-request caps have no usage to show
      }
      limits.add(
          Json.object()
              .put("limit", l.limitName())
              .put("used", l.used())
              .put("reserved", l.reserved())
              .put("limit_amount", l.limit())
              .put("remaining", l.remaining())
              .put("percent", Math.round(l.percent() * 10) / 10.0)
              .put("level", l.level().name())
              .put("resets_at", l.resetsAt()));
    }
    return Json.object()
        .put("user_id", userId)
        .put("plan", st.plan())
        .put("active", st.active())
        .put("limits", limits)
        .toString();
  }

  /**
   * A denial when the plan has more steps than the workflow may still take (MAX_STEPS_PER_WORKFLOW
   * counts agent calls), so that a plan that cannot finish stops before its first step; else null.
   */
  private @org.jspecify.annotations.Nullable QuotaDenial planTooLong(Workflow wf, int steps) {
    SubjectRef workflow = SubjectRef.workflow(wf.id());
    for (LimitStatus l : quotas.status(workflow).limits()) {
      if (l.limitName().equals(EnvironmentPolicy.WORKFLOW_STEPS) && steps > l.remaining()) {
        return QuotaDenial.of(
            DenialCodes.WORKFLOW_STEP_LIMIT_EXCEEDED,
            "The plan has " + steps + " steps; a workflow may take " + l.limit(),
            workflow);
      }
    }
    return null;
  }

  private Response denied(QuotaDenial d, String workflowId, List<String> done) {
    String body = Denials.body(d, clock.instant()).put("completed_steps", done).toString();
    return new Response(Denials.httpStatus(d), body, workflowId, List.copyOf(done), d);
  }

  /** Parses the planner's answer, one {@code agent.tool: description} per line. */
  static List<Step> parsePlan(String text) {
    List<Step> steps = new ArrayList<>();
    for (String line : text.strip().split("\n", -1)) {
      int dot = line.indexOf('.');
      int colon = line.indexOf(':');
      if (dot <= 0 || colon < dot) {
        throw new IllegalArgumentException("planner answered a line that is not a step: " + line);
      }
      steps.add(
          new Step(
              line.substring(0, dot).strip(),
              line.substring(dot + 1, colon).strip(),
              line.substring(colon + 1).strip()));
    }
    return steps;
  }

  /** The fake planner: a plan from keywords of the request. */
  static String planFor(String prompt) {
    String input = prompt.substring(prompt.indexOf("User: ") + 6).toLowerCase(Locale.ROOT);
    StringBuilder plan = new StringBuilder();
    if (input.contains("mail") || input.contains("invoice")) {
      plan.append("gmail_agent.search_emails: find the emails the user means\n");
    }
    if (input.contains("summar") || input.contains("doc")) {
      plan.append("docs_agent.summarise_doc: summarise what was found\n");
      plan.append("docs_agent.create_doc: write the summary into a new document\n");
    }
    if (input.contains("meeting") || input.contains("calendar")) {
      plan.append("calendar_agent.find_slot: find a free slot this week\n");
      plan.append("calendar_agent.create_event: book the meeting\n");
    }
    if (input.contains("send") || input.contains("reply")) {
      plan.append("gmail_agent.send_email: send the result to the user\n");
    }
    if (plan.length() == 0) {
      plan.append("docs_agent.create_doc: write down the answer\n");
    }
    return plan.toString();
  }

  /** The fake agents: a search returns many emails, other tools a short confirmation. */
  static String agentAnswer(String prompt) {
    if (prompt.startsWith("gmail_agent.search_emails")) {
      StringBuilder out = new StringBuilder();
      for (int i = 1; i <= 250; i++) {
        out.append("Invoice ").append(1000 + i).append(" from ACME Corp, due in 30 days. ");
      }
      return out.toString();
    }
    return "Done: "
        + prompt.substring(0, prompt.indexOf(':'))
        + ". "
        + "Details follow. ".repeat(20);
  }

  // ---------------------------------------------------------------- the scenario

  /** What {@link #run} returns for its test. */
  public record Result(
      List<Response> responses, String bobStatusBeforeMidnight, QuotaManager quotas) {
    /** The denial codes, in order. */
    public List<String> codes() {
      return responses.stream().map(r -> r.denial() == null ? "OK" : r.denial().code()).toList();
    }
  }

  /** The scenario's limits: the seed's variables, some set lower so that the scenario hits them. */
  public static final Map<String, String> ENVIRONMENT =
      Map.of(
          "MAX_TOKENS_PER_PLANNING", "8000",
          "MAX_TOKENS_PER_AGENT_CALL", "4000",
          "MAX_STEPS_PER_WORKFLOW", "5",
          "MAX_TOKENS_PER_USER_PER_DAY", "50000",
          "MAX_REQUESTS_PER_USER_PER_DAY", "100",
          "MAX_TOKENS_PER_HOUR_SYSTEM_WIDE", "20000",
          "MAX_CONCURRENT_WORKFLOWS", "2");

  /** Runs the scenario, printing each request and response to {@code out}. */
  public static Result run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-11-25T09:00:00Z");
    QuotaStore store = new InMemoryQuotaStore();
    AtomicLong ids = new AtomicLong();
    QuotaManager quotas =
        QuotaManager.builder()
            .store(store)
            .policy(
                EnvironmentPolicy.builderFrom(ENVIRONMENT)
                    .unknownSubjects(UnknownSubjects.DENY) // the seed's users table
                    .build())
            .tokenCounter(Tokens.COUNTER)
            .clock(clock)
            .defaultLogging(false)
            .idGenerator(() -> Long.toString(ids.incrementAndGet())) // readable ids
            .build();
    // the seed's users table: plan, own daily limits, active flag
    QuotaAdmin admin = QuotaAdmin.of(quotas);
    String plan = quotas.policy().defaultPlan();
    for (String u :
        List.of("alice", "bob", "carol", "dave", "erin", "team-1", "team-2", "team-3", "team-4")) {
      admin.assignPlan(SubjectRef.user(u), plan);
    }
    for (SubjectRecord r :
        List.of(
            admin.setOverride(SubjectRef.user("bob"), EnvironmentPolicy.USER_DAILY_TOKENS, 3_000),
            admin.setOverride(SubjectRef.user("dave"), EnvironmentPolicy.USER_DAILY_REQUESTS, 4),
            admin.deactivate(SubjectRef.user("carol")))) {
      out.println(
          "users table: " + r.subject() + " " + r.overrides() + (r.active() ? "" : " inactive"));
    }

    SupervisorAgent supervisor = new SupervisorAgent(quotas);
    List<Response> responses = new ArrayList<>();
    Scene scene = new Scene(supervisor, clock, out, responses);

    scene.post("alice", "Search my mail for invoices and summarise them in a doc");
    scene.post(
        "alice", "Summarise this contract: " + "The party of the first part. ".repeat(1_300));
    scene.post("mallory", "Search my mail");
    scene.post("carol", "Search my mail");
    scene.post("bob", "Search my mail for invoices and summarise them in a doc");
    scene.post("dave", "Write a doc about our roadmap");
    scene.post("dave", "Search my mail for invoices and send them to me");
    scene.post("erin", "Find invoices in my mail, summarise them, set up a meeting and reply");

    out.println("-- two long workflows hold both slots of MAX_CONCURRENT_WORKFLOWS=2");
    try (Workflow w1 = quotas.openWorkflow(SubjectRef.user("team-1"));
        Workflow w2 = quotas.openWorkflow(SubjectRef.user("team-2"))) {
      scene.post("alice", "Write a doc about our roadmap");
    }
    scene.post("alice", "Write a doc about our roadmap");

    out.println("-- 10:00, a busy hour: MAX_TOKENS_PER_HOUR_SYSTEM_WIDE=20000");
    clock.set(java.time.Instant.parse("2026-11-25T10:00:00Z"));
    for (int i = 0; i < 3; i++) {
      for (String u : List.of("team-1", "team-2", "team-3", "team-4")) {
        scene.post(u, "Search my mail for invoices and summarise them in a doc");
      }
    }
    clock.set(java.time.Instant.parse("2026-11-25T11:00:00Z"));
    out.println("-- 11:00, a new hour");
    scene.post("team-1", "Write a doc about our roadmap");

    String bobStatus = supervisor.quotaStatus("bob");
    out.println("GET /quota/status?user_id=bob -> " + bobStatus);
    clock.set(java.time.Instant.parse("2026-11-26T00:05:00Z"));
    out.println("-- 00:05 the next day: daily quotas start again, no reset job");
    scene.post("bob", "Write a doc about our roadmap");
    return new Result(List.copyOf(responses), bobStatus, quotas);
  }

  private record Scene(
      SupervisorAgent supervisor, MutableClock clock, PrintStream out, List<Response> responses) {
    void post(String user, String input) {
      String shown = input.length() > 60 ? input.substring(0, 57) + "..." : input;
      Response r = supervisor.workflow(user, input);
      responses.add(r);
      out.printf(
          Locale.ROOT,
          "%s POST /workflow user=%s \"%s\"%n  -> %d %s%n",
          clock.instant(),
          user,
          shown,
          r.status(),
          r.body());
      clock.advance(Duration.ofMinutes(1));
    }
  }

  /** Runs the scenario on standard output. */
  public static void main(String[] args) {
    Result r = run(System.out);
    System.out.println("codes: " + r.codes());
    System.out.println(
        "denied: "
            + r.codes().stream().filter(c -> !c.equals("OK")).count()
            + " (codes from "
            + DenialCodes.class.getSimpleName()
            + ")");
  }
}
