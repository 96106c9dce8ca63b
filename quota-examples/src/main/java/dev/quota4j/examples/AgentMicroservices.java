package dev.quota4j.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota4j.EnvironmentPolicy;
import dev.quota4j.QuotaDecision;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.Workflow;
import dev.quota4j.examples.FakeLlm.ChatResult;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.pricing.PriceTable;
import dev.quota4j.reports.TopEntry;
import dev.quota4j.reports.TraceStep;
import dev.quota4j.reports.UsageReports;
import dev.quota4j.testing.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Seed 001, agent microservices: a supervisor and two agent services in one JVM, talking real HTTP
 * on loopback with the JDK's server and client. Only the supervisor holds the quota manager: it
 * admits each agent call before sending it, records the usage the agent reports with the model it
 * used, falls back to its own estimate when an agent reports none, and records failed calls. Its
 * analytics endpoints answer JSON from {@link dev.quota4j.reports.UsageReports}.
 */
public final class AgentMicroservices implements AutoCloseable {
  /** Output budget the supervisor reserves for one agent call. */
  public static final long AGENT_MAX_OUTPUT = 1_000;

  private final QuotaManager quotas;
  private final HttpServer gmail;
  private final HttpServer docs;
  private final HttpServer supervisor;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, URI> agentUrls = new LinkedHashMap<>();

  /** Starts the three services on ephemeral loopback ports. */
  public AgentMicroservices(QuotaManager quotas) {
    this.quotas = quotas;
    try {
      gmail = start(ex -> agent(ex, "gmail_agent", "gpt-3.5-turbo"), "/execute_task");
      docs = start(ex -> agent(ex, "docs_agent", "gpt-4o-mini"), "/execute_task");
      supervisor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the services", e);
    }
    supervisor.createContext("/workflow", ex -> handle(ex, this::workflow));
    supervisor.createContext("/analytics/", ex -> handle(ex, this::analytics));
    supervisor.start();
    agentUrls.put("gmail_agent", url(gmail, "/execute_task"));
    agentUrls.put("docs_agent", url(docs, "/execute_task"));
  }

  /** The supervisor's base URL, such as {@code http://127.0.0.1:41234}. */
  public URI supervisorUrl() {
    return url(supervisor, "");
  }

  private interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  private static HttpServer start(Handler h, String path) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(path, ex -> handle(ex, h));
    s.start();
    return s;
  }

  private static URI url(HttpServer s, String path) {
    InetSocketAddress a = s.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
  }

  private static void handle(HttpExchange ex, Handler h) throws IOException {
    try (ex) {
      try {
        h.handle(ex);
      } catch (IllegalArgumentException e) {
        send(ex, 400, Json.object().put("error", e.getMessage()).toString());
      }
    }
  }

  private static void send(HttpExchange ex, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  private static String string(Map<String, @Nullable Object> json, String field) {
    Object v = json.get(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException("field " + field + " must be a non-blank string");
    }
    return s;
  }

  // ---------------------------------------------------------------- the agent services

  /**
   * {@code POST /execute_task {tool, inputs}}: runs the tool with its own LLM and returns the
   * result with {@code token_usage}; {@code send_email} reports no usage, and {@code create_doc}
   * fails with HTTP 502 after its LLM call was billed.
   */
  private static void agent(HttpExchange ex, String name, String model) throws IOException {
    Map<String, @Nullable Object> req = Json.parseObject(read(ex.getRequestBody()));
    String tool = string(req, "tool");
    String instruction = name + "." + tool + " " + String.valueOf(req.get("inputs"));
    ChatResult a =
        new FakeLlm(Tokens.COUNTER, model, SupervisorAgent::agentAnswer)
            .call(instruction, AGENT_MAX_OUTPUT);
    Json.Obj usage =
        Json.object()
            .put("prompt_tokens", a.promptTokens())
            .put("completion_tokens", a.completionTokens())
            .put("total_tokens", a.totalTokens())
            .put("model_used", model);
    if (tool.equals("create_doc")) {
      send(
          ex,
          502,
          Json.object()
              .put("success", false)
              .put("error", "Docs API unavailable")
              .put("token_usage", usage)
              .toString());
      return;
    }
    Json.Obj body =
        Json.object()
            .put("success", true)
            .put("result", Json.object().put("summary", a.text().substring(0, 40)));
    if (!tool.equals("send_email")) {
      body.put("token_usage", usage);
    }
    send(ex, 200, body.toString());
  }

  // ---------------------------------------------------------------- the supervisor

  /** {@code POST /workflow {user_id, input}}. */
  private void workflow(HttpExchange ex) throws IOException {
    Map<String, @Nullable Object> req = Json.parseObject(read(ex.getRequestBody()));
    String user = string(req, "user_id");
    String input = string(req, "input");
    Workflow wf;
    try {
      wf = quotas.openWorkflow(SubjectRef.user(user));
    } catch (QuotaExceededException e) {
      send(ex, Denials.httpStatus(e.denial()), Denials.body(e.denial(), now()).toString());
      return;
    }
    List<Object> steps = new ArrayList<>();
    try (wf) {
      List<SupervisorAgent.Step> plan =
          SupervisorAgent.parsePlan(SupervisorAgent.planFor("User: " + input));
      for (SupervisorAgent.Step step : plan) {
        String inputs = Json.object().put("request", input).toString();
        QuotaDecision d =
            wf.tryReserve(
                UsageRequest.forUser(user)
                    .operation("agent_call")
                    .agent(step.agent())
                    .tool(step.tool())
                    .estimatedTokens(inputs, AGENT_MAX_OUTPUT));
        if (!d.allowed()) {
          send(
              ex,
              Denials.httpStatus(d.denial()),
              Denials.body(d.denial(), now()).put("steps", steps).toString());
          return;
        }
        try (Reservation r = d.reservation()) {
          steps.add(callAgent(step, inputs, r));
        }
      }
    }
    send(
        ex,
        200,
        Json.object()
            .put("status", "done")
            .put("workflow_id", wf.id())
            .put("steps", steps)
            .toString());
  }

  /** Calls one agent and records what it reports; returns the step's line of the response. */
  private Json.Obj callAgent(SupervisorAgent.Step step, String inputs, Reservation r) {
    String name = step.agent() + "." + step.tool();
    URI url = agentUrls.get(step.agent());
    if (url == null) {
      r.fail("no service for agent " + step.agent(), Usage.NONE);
      return Json.object().put("step", name).put("status", "error").put("error", "no service");
    }
    String payload = Json.object().put("tool", step.tool()).put("inputs", inputs).toString();
    HttpResponse<String> resp;
    try {
      resp =
          http.send(
              HttpRequest.newBuilder(url)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(payload))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      r.fail(e, Usage.NONE); // nothing known to be billed
      return Json.object().put("step", name).put("status", "error").put("error", "unreachable");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.fail(e, Usage.NONE);
      return Json.object().put("step", name).put("status", "error").put("error", "interrupted");
    }
    Map<String, @Nullable Object> body = Json.parseObject(resp.body());
    Usage reported = usageOf(body.get("token_usage"));
    if (resp.statusCode() != 200 || !Boolean.TRUE.equals(body.get("success"))) {
      // the agent failed: charge what its provider billed, if it said
      r.fail(
          name + ": HTTP " + resp.statusCode() + " " + body.get("error"),
          reported == null ? Usage.NONE : reported);
      return Json.object()
          .put("step", name)
          .put("status", "error")
          .put("error", String.valueOf(body.get("error")));
    }
    String source = "agent";
    if (reported == null) {
      // the agent reported no usage: charge the supervisor's own estimate
      reported = Usage.of(r.estimatedInputTokens(), r.grantedMaxOutputTokens());
      source = "estimate";
    }
    r.commit(reported);
    return Json.object()
        .put("step", name)
        .put("status", "success")
        .put("tokens", reported.totalTokens())
        .put("model", reported.model())
        .put("usage_from", source);
  }

  /** Reads the seed's {@code token_usage} object; null when the agent sent none. */
  static @Nullable Usage usageOf(@Nullable Object tokenUsage) {
    if (!(tokenUsage instanceof Map<?, ?> m)) {
      return null;
    }
    long prompt = whole(m.get("prompt_tokens"), "prompt_tokens");
    long completion = whole(m.get("completion_tokens"), "completion_tokens");
    Usage u = Usage.of(prompt, completion);
    return m.get("model_used") instanceof String model ? u.withModel(model) : u;
  }

  private static long whole(@Nullable Object v, String field) {
    if (!(v instanceof BigDecimal d)) {
      throw new IllegalArgumentException("token_usage." + field + " must be a number, was " + v);
    }
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("token_usage." + field + " must be whole, was " + d, e);
    }
  }

  /**
   * {@code GET
   * /analytics/{users|agents|tools|operations|hourly|agent-errors|summary|workflow/<id>}}: JSON
   * from {@link UsageReports} over today (UTC), or the last 24 hours for {@code hourly}: the seed's
   * daily usage by user, top agents and tools, user activity by operation, system hourly load,
   * agent error rates, the admin summary's users (workflows executed, tokens, cost) and workflow
   * trace.
   */
  private void analytics(HttpExchange ex) throws IOException {
    String what = ex.getRequestURI().getPath().substring("/analytics/".length());
    UsageReports reports = UsageReports.of(quotas);
    Instant now = now();
    Instant day = now.truncatedTo(ChronoUnit.DAYS);
    Instant end = day.plus(Duration.ofDays(1));
    Instant hourEnd = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
    if (what.startsWith("workflow/")) {
      String id = what.substring("workflow/".length());
      List<Object> trace = new ArrayList<>();
      for (TraceStep t : reports.workflowTrace(id)) {
        trace.add(
            Json.object()
                .put("step", t.step())
                .put("time", t.time())
                .put("status", t.status().name())
                .put("operation", t.operation())
                .put("agent", t.agent())
                .put("tool", t.tool())
                .put("model", t.model())
                .put("tokens", t.inputTokens() + t.outputTokens())
                .put("cost_usd", t.cost())
                .put("error_code", t.errorCode()));
      }
      send(ex, 200, Json.object().put("workflow_id", id).put("events", trace).toString());
      return;
    }
    List<Object> rows = new ArrayList<>();
    switch (what) {
      case "users" ->
          reports
              .dailyBySubject(day, end)
              .forEach(
                  r ->
                      rows.add(
                          Json.object()
                              .put("user_id", r.subject().id())
                              .put("day", r.day().toString())
                              .put("calls", r.calls())
                              .put("denials", r.denials())
                              .put("tokens", r.totalTokens())
                              .put("cost_usd", r.cost())));
      case "summary" ->
          reports
              .subjectStats(SubjectKind.USER, day, end)
              .forEach(
                  r ->
                      rows.add(
                          Json.object()
                              .put("user_id", r.subject().id())
                              .put("workflows_executed", r.workflows())
                              .put("total_tokens", r.totalTokens())
                              .put("total_cost", r.cost())));
      case "agents" ->
          reports.topAgents(day, end, 10).forEach(r -> rows.add(top(r).put("agent", r.agent())));
      case "tools" ->
          reports
              .topTools(day, end, 10)
              .forEach(r -> rows.add(top(r).put("agent", r.agent()).put("tool", r.tool())));
      case "operations" ->
          reports
              .activityByOperation(day, end)
              .forEach(
                  r ->
                      rows.add(
                          Json.object()
                              .put("user_id", r.subject().id())
                              .put("operation", r.operation())
                              .put("calls", r.calls())
                              .put("errors", r.errors())
                              .put("denials", r.denials())
                              .put("tokens", r.totalTokens())
                              .put("average_tokens", r.averageTokens())
                              .put("cost_usd", r.cost())));
      case "hourly" ->
          reports
              .systemHourlyLoad(hourEnd.minus(Duration.ofHours(24)), hourEnd)
              .forEach(
                  r ->
                      rows.add(
                          Json.object()
                              .put("hour", r.hour())
                              .put("calls", r.calls())
                              .put("denials", r.denials())
                              .put("tokens", r.totalTokens())
                              .put("capacity_percent", r.capacityPercent())));
      case "agent-errors" ->
          reports
              .agentStats(day, end)
              .forEach(
                  r ->
                      rows.add(
                          Json.object()
                              .put("agent", r.agent())
                              .put("calls", r.calls())
                              .put("errors", r.errors())
                              .put("error_rate_percent", r.errorRatePercent())
                              .put("denials", r.denials())
                              .put("tokens", r.totalTokens())
                              .put("cost_usd", r.cost())));
      default -> {
        send(ex, 404, Json.object().put("error", "no report " + what).toString());
        return;
      }
    }
    send(ex, 200, Json.object().put("day", day).put("rows", rows).toString());
  }

  private static Json.Obj top(TopEntry r) {
    return Json.object()
        .put("calls", r.calls())
        .put("tokens", r.totalTokens())
        .put("average_tokens", r.averageTokens())
        .put("cost_usd", r.cost());
  }

  private Instant now() {
    return quotas.clock().instant();
  }

  @Override
  public void close() {
    supervisor.stop(0);
    gmail.stop(0);
    docs.stop(0);
  }

  // ---------------------------------------------------------------- the scenario

  /** A response as the scenario saw it. */
  public record Exchange(String request, int status, String body) {}

  /** What {@link #run} returns for its test: the exchanges in order, and the manager. */
  public record Result(List<Exchange> exchanges, QuotaManager quotas) {}

  /** Runs the scenario, printing each HTTP exchange to {@code out}. */
  public static Result run(PrintStream out) {
    MutableClock clock = MutableClock.at("2026-11-25T09:00:00Z");
    AtomicLong ids = new AtomicLong();
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(
                EnvironmentPolicy.from(
                    Map.of(
                        "MAX_TOKENS_PER_USER_PER_DAY",
                        "3000",
                        "MAX_TOKENS_PER_AGENT_CALL",
                        "4000")))
            .tokenCounter(Tokens.COUNTER)
            .pricing(PriceTable.defaults())
            .clock(clock)
            .idGenerator(() -> Long.toString(ids.incrementAndGet()))
            .defaultLogging(false)
            .build();
    HttpClient client = HttpClient.newHttpClient();
    List<Exchange> exchanges = new ArrayList<>();
    try (AgentMicroservices services = new AgentMicroservices(quotas)) {
      URI base = services.supervisorUrl();
      out.println("-- supervisor at " + base + ", agents at " + services.agentUrls.values());
      String[][] posts = {
        {"alice", "Search my mail for invoices and summarise them in a doc"},
        {"bob", "Find invoices in my mail and send them to me"},
        {"alice", "Search my mail for invoices and summarise them"},
        {"alice", "Search my mail for invoices and summarise them"},
      };
      for (String[] p : posts) {
        String body = Json.object().put("user_id", p[0]).put("input", p[1]).toString();
        exchanges.add(exchange(client, out, "POST", base.resolve("/workflow"), body));
        clock.advance(Duration.ofMinutes(25));
      }
      exchanges.add(exchange(client, out, "POST", base.resolve("/workflow"), "{\"user_id\":\"\"}"));
      for (String report :
          List.of(
              "users",
              "agents",
              "tools",
              "operations",
              "hourly",
              "agent-errors",
              "workflow/wf-1",
              "nope",
              "summary")) {
        exchanges.add(exchange(client, out, "GET", base.resolve("/analytics/" + report), null));
      }
    }
    return new Result(exchanges, quotas);
  }

  private static Exchange exchange(
      HttpClient client, PrintStream out, String method, URI uri, @Nullable String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String line = method + " " + uri.getPath() + (body == null ? "" : " " + body);
      out.println(line);
      out.println("  -> " + resp.statusCode() + " " + resp.body());
      return new Exchange(line, resp.statusCode(), resp.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs the scenario on standard output. */
  public static void main(String[] args) {
    var unused = run(System.out);
  }
}
