package dev.quota4j.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.Usage;
import dev.quota4j.Window;
import dev.quota4j.langchain4j.Fakes.FakeChatModel;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.ChatMessage;
import dev.quota4j.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The blocking decorator, the listener and the estimator against real LangChain4j classes. */
class QuotaChatModelTest {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final MutableClock clock = MutableClock.at("2026-12-08T10:00:00Z");

  QuotaManager manager(Limit... limits) {
    Plan.Builder plan = Plan.builder("free");
    for (Limit l : limits) {
      plan.limit(l);
    }
    return QuotaManager.builder()
        .store(store)
        .policy(QuotaPolicy.builder().plan(plan.build()).defaultPlan("free").build())
        .clock(clock)
        .defaultLogging(false)
        .build();
  }

  static ChatRequest request(int maxOutput) {
    return ChatRequest.builder()
        .messages(SystemMessage.from("You are terse."), UserMessage.from("Say ok."))
        .maxOutputTokens(maxOutput)
        .build();
  }

  static ChatRequestOptions user(String id) {
    return ChatRequestOptions.builder().listenerAttributes(Map.of(ChatSubjects.USER, id)).build();
  }

  List<UsageEvent> events() {
    return store.findEvents(EventQuery.all(1_000));
  }

  @Test
  void aDeniedCallNeverReachesTheModel() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 100));
    FakeChatModel fake = new FakeChatModel();
    QuotaChatModel model = QuotaChatModel.builder(quotas, fake).build();
    QuotaExceededException e =
        assertThrows(QuotaExceededException.class, () -> model.chat(request(500), user("u")));
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, e.denial().code());
    assertEquals(0, fake.calls.get());
    assertEquals(0, store.openReservations());
  }

  @Test
  void aCallNamingNoSubjectIsRefusedBeforeTheModel() {
    FakeChatModel fake = new FakeChatModel();
    QuotaChatModel model = QuotaChatModel.builder(manager(), fake).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> model.chat(request(10)));
    assertTrue(e.getMessage().startsWith("listenerAttributes must name who is charged"));
    assertEquals(0, fake.calls.get());
  }

  @Test
  void theCommittedUsageIsWhatTheModelReported() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    FakeChatModel fake = new FakeChatModel();
    QuotaChatModel model = QuotaChatModel.builder(quotas, fake).build();
    ChatResponse r = model.chat(request(200), user("u"));
    assertEquals("resp-1", r.id());
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals("u", e.subject().id());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
    assertEquals("fake-model-2026", e.model());
    assertEquals(48, quotas.status(dev.quota4j.SubjectRef.user("u")).limits().get(0).used());
    // the estimate: the messages by OpenAI's rule plus the 200 output tokens
    long input =
        TokenCounter.openAi()
            .countMessages(
                List.of(ChatMessage.system("You are terse."), ChatMessage.user("Say ok.")),
                "gpt-4o");
    assertEquals(input + 200, e.estimatedTokens());
    assertEquals(200, fake.received.get(0).maxOutputTokens());
  }

  /**
   * The tools of a request count as OpenAI bills them: OpenAI's cookbook example (one weather
   * function, two messages) was billed 101 prompt tokens on gpt-4o.
   */
  @Test
  void toolSpecificationsCountAsOpenAiBillsThemAndUnsetMaxOutputIsTheDefault() {
    QuotaManager quotas = manager();
    FakeChatModel fake = new FakeChatModel();
    QuotaChatModel model =
        QuotaChatModel.builder(quotas, fake).defaultMaxOutputTokens(1_000).build();
    ToolSpecification tool =
        ToolSpecification.builder()
            .name("get_current_weather")
            .description("Get the current weather in a given location")
            .parameters(
                JsonObjectSchema.builder()
                    .addStringProperty("location", "The city and state, e.g. San Francisco, CA")
                    .addEnumProperty(
                        "unit",
                        List.of("celsius", "fahrenheit"),
                        "The unit of temperature to return")
                    .required("location")
                    .build())
            .build();
    ChatRequest withTool =
        ChatRequest.builder()
            .messages(
                SystemMessage.from(
                    "You are a helpful assistant that can answer to questions about the weather."),
                UserMessage.from("What's the weather like in San Francisco?"))
            .modelName("gpt-4o")
            .toolSpecifications(tool)
            .build();
    var unused = model.chat(withTool, user("u"));
    assertEquals(101 + 1_000, events().get(0).estimatedTokens());
    assertEquals(1_000, fake.received.get(0).maxOutputTokens(), "the reserved maximum is sent");
  }

  @Test
  void aFailingCallChargesWhatWasBilledAndRethrows() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    FakeChatModel fake = new FakeChatModel();
    IllegalStateException boom = new IllegalStateException("upstream 500");
    fake.failure = boom;
    QuotaChatModel model =
        QuotaChatModel.builder(quotas, fake).billedOnFailure(e -> Usage.of(120, 0)).build();
    assertSame(
        boom, assertThrows(IllegalStateException.class, () -> model.chat(request(50), user("u"))));
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.ERROR, e.status());
    assertEquals(120, e.inputTokens());
    assertEquals(IllegalStateException.class.getName(), e.errorCode());
    assertEquals(120, quotas.status(dev.quota4j.SubjectRef.user("u")).limits().get(0).used());
    assertEquals(0, store.openReservations());
  }

  @Test
  void sixteenThreadsThroughOneModelStayExactAtTheLimit() throws Exception {
    QuotaManager quotas = manager(Limit.of("daily-calls", Metric.REQUESTS, Window.DAY, 50));
    FakeChatModel fake = new FakeChatModel();
    QuotaChatModel model = QuotaChatModel.builder(quotas, fake).build();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                int admitted = 0;
                for (int i = 0; i < 10; i++) {
                  try {
                    var unused = model.chat(request(20), user("shared"));
                    admitted++;
                  } catch (QuotaExceededException denied) {
                    // counted below
                  }
                }
                return admitted;
              }));
    }
    start.countDown();
    int admitted = 0;
    for (Future<Integer> f : results) {
      admitted += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(50, admitted, "160 calls for 50: exactly the limit is admitted");
    assertEquals(50, fake.calls.get(), "and only those reached the model");
    List<UsageEvent> success =
        events().stream().filter(e -> e.status() == EventStatus.SUCCESS).toList();
    assertEquals(50, success.size());
    assertEquals(50 * 48, success.stream().mapToLong(UsageEvent::totalTokens).sum());
    assertEquals(0, store.openReservations());
  }

  @Test
  void theListenerRecordsUnwrappedModelsByResponseId() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    FakeChatModel fake = new FakeChatModel(new QuotaChatModelListener(quotas));
    ChatResponse r = fake.chat(request(10), user("u"));
    assertEquals("resp-1", r.id());
    UsageEvent e = events().get(0);
    assertEquals("resp-1", e.eventId());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
    // record-only: a call with no subject still goes through (LangChain4j logs the listener's
    // exception and carries on), it is just not recorded
    ChatResponse unnamed = fake.chat(request(10));
    assertEquals("resp-2", unnamed.id());
    assertEquals(1, events().size());
  }

  @Test
  void theEstimatorCountsAsTheTokenCounterDoes() {
    TokenCounter counter = TokenCounter.openAi();
    Quota4jTokenCountEstimator estimator = new Quota4jTokenCountEstimator(counter, "gpt-4o");
    assertEquals(
        counter.count("Hello, world", "gpt-4o"),
        estimator.estimateTokenCountInText("Hello, world"));
    List<dev.langchain4j.data.message.ChatMessage> lc =
        List.of(SystemMessage.from("You are terse."), UserMessage.from("Say ok."));
    long expected =
        counter.countMessages(
            List.of(ChatMessage.system("You are terse."), ChatMessage.user("Say ok.")), "gpt-4o");
    assertEquals(expected, estimator.estimateTokenCountInMessages(lc));
    assertEquals(
        counter.countMessages(List.of(ChatMessage.user("Say ok.")), "gpt-4o")
            - TokenCounter.REPLY_PRIMING_TOKENS,
        estimator.estimateTokenCountInMessage(UserMessage.from("Say ok.")));
  }
}
