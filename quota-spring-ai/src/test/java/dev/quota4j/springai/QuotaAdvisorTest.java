package dev.quota4j.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.DenialCodes;
import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import dev.quota4j.tokens.ChatMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.ChatOptions;

/** The advisor and the decorator against the real Spring AI ChatClient and a fake model. */
class QuotaAdvisorTest {
  final InMemoryQuotaStore store = new InMemoryQuotaStore();
  final MutableClock clock = MutableClock.at("2026-12-08T10:00:00Z");
  final FakeChatModel fake = new FakeChatModel();

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

  ChatClient client(QuotaManager quotas) {
    return ChatClient.builder(fake).defaultAdvisors(QuotaAdvisor.builder(quotas).build()).build();
  }

  List<UsageEvent> events() {
    return store.findEvents(EventQuery.all(1_000));
  }

  @Test
  void deniedCallNeverReachesTheModel() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 100));
    ChatClient chat = client(quotas);
    QuotaExceededException e =
        assertThrows(
            QuotaExceededException.class,
            () ->
                chat.prompt("Hello")
                    .options(ChatOptions.builder().maxTokens(500))
                    .advisors(a -> a.param(QuotaAdvisor.USER, "u"))
                    .call()
                    .content());
    assertEquals(DenialCodes.DAILY_TOKEN_QUOTA_EXCEEDED, e.denial().code());
    assertEquals(0, fake.calls.get());
    assertEquals(0, store.openReservations());
  }

  @Test
  void callNamingNoSubjectIsRefusedBeforeTheModel() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> client(quotas).prompt("Hello").call().content());
    assertTrue(e.getMessage().startsWith("advisor parameters must name who is charged"));
    assertEquals(0, fake.calls.get());
  }

  @Test
  void commitsTheUsageTheModelReports() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    String answer =
        client(quotas)
            .prompt("Hello")
            .options(ChatOptions.builder().maxTokens(200))
            .advisors(a -> a.param(QuotaAdvisor.USER, "u").param(QuotaAdvisor.OPERATION, "greet"))
            .call()
            .content();
    assertEquals("hello there", answer);
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals("u", e.subject().id());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
    assertEquals("fake-model-2026", e.model());
    long input =
        quotas
            .tokenCounter()
            .countMessages(List.of(ChatMessage.user("Hello")), Guard.COUNTING_MODEL);
    assertEquals(input + 200, e.estimatedTokens());
    assertEquals(48, quotas.status(SubjectRef.user("u")).limits().get(0).used());
    assertEquals(0, store.openReservations());
  }

  @Test
  void withoutMaxTokensReservesTheDefault() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    var unused =
        client(quotas)
            .prompt("Hello")
            .advisors(a -> a.param(QuotaAdvisor.SESSION, "s-1"))
            .call()
            .content();
    long input =
        quotas
            .tokenCounter()
            .countMessages(List.of(ChatMessage.user("Hello")), Guard.COUNTING_MODEL);
    assertEquals(input + 4_096, events().get(0).estimatedTokens());
  }

  @Test
  void failingCallIsChargedTheEstimatedInput() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    IllegalStateException boom = new IllegalStateException("provider down");
    fake.failure = boom;
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                client(quotas)
                    .prompt("Hello")
                    .advisors(a -> a.param(QuotaAdvisor.USER, "u"))
                    .call()
                    .content());
    assertSame(boom, rootCause(thrown));
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.ERROR, e.status());
    long input =
        quotas
            .tokenCounter()
            .countMessages(List.of(ChatMessage.user("Hello")), Guard.COUNTING_MODEL);
    assertEquals(input, e.inputTokens());
    assertEquals(0, e.outputTokens());
    assertEquals(input, quotas.status(SubjectRef.user("u")).limits().get(0).used());
    assertEquals(0, store.openReservations());
  }

  static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void completedStreamCommitsTheLastUsage() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    List<String> chunks =
        client(quotas).prompt("Hello").advisors(a -> a.param(QuotaAdvisor.USER, "u")).stream()
            .content()
            .collectList()
            .block(Duration.ofSeconds(10));
    assertEquals(List.of("hel", "lo ", "there"), chunks);
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.SUCCESS, e.status());
    assertEquals(37, e.inputTokens());
    assertEquals(11, e.outputTokens());
    assertEquals(0, store.openReservations());
  }

  @Test
  void failedStreamIsChargedTheEstimatedInput() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 10_000));
    IllegalStateException boom = new IllegalStateException("stream broke");
    fake.failure = boom;
    RuntimeException thrown =
        assertThrows(
            RuntimeException.class,
            () ->
                client(quotas)
                    .prompt("Hello")
                    .advisors(a -> a.param(QuotaAdvisor.USER, "u"))
                    .stream()
                    .content()
                    .collectList()
                    .block(Duration.ofSeconds(10)));
    assertSame(boom, rootCause(thrown));
    UsageEvent e = events().get(0);
    assertEquals(EventStatus.ERROR, e.status());
    long input =
        quotas
            .tokenCounter()
            .countMessages(List.of(ChatMessage.user("Hello")), Guard.COUNTING_MODEL);
    assertEquals(input, e.inputTokens());
    assertEquals(0, store.openReservations());
  }

  @Test
  void deniedStreamNeverReachesTheModel() {
    QuotaManager quotas = manager(Limit.of("daily", Metric.TOKENS, Window.DAY, 100));
    assertThrows(
        QuotaExceededException.class,
        () ->
            client(quotas).prompt("Hello").advisors(a -> a.param(QuotaAdvisor.USER, "u")).stream()
                .content()
                .collectList()
                .block(Duration.ofSeconds(10)));
    assertEquals(0, fake.calls.get());
    assertEquals(0, store.openReservations());
  }

  @Test
  void sixteenThreadsAgainstFiftyRequestsAdmitExactlyFifty() throws Exception {
    QuotaManager quotas = manager(Limit.of("requests", Metric.REQUESTS, Window.DAY, 50));
    ChatClient chat = client(quotas);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < 16; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  int admitted = 0;
                  for (int i = 0; i < 10; i++) {
                    try {
                      var unused =
                          chat.prompt("Hello")
                              .advisors(a -> a.param(QuotaAdvisor.USER, "shared"))
                              .call()
                              .content();
                      admitted++;
                    } catch (QuotaExceededException e) {
                      // over the limit: denied before the model
                    }
                  }
                  return admitted;
                }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Integer> f : futures) {
        admitted += f.get(30, TimeUnit.SECONDS);
      }
      assertEquals(50, admitted);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(50, fake.calls.get());
    assertEquals(
        50, events().stream().filter(e -> e.status() == EventStatus.SUCCESS).count(), "committed");
    assertEquals(50, quotas.status(SubjectRef.user("shared")).limits().get(0).used());
    assertEquals(0, store.openReservations());
  }
}
