package dev.quota4j.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quota4j.Limit;
import dev.quota4j.Metric;
import dev.quota4j.Plan;
import dev.quota4j.QuotaExceededException;
import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.SubjectRef;
import dev.quota4j.Window;
import dev.quota4j.memory.InMemoryQuotaStore;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;

/** The README's Spring AI section, run against a fake model (quota-examples checks the text). */
class ReadmeSpringAiTest {
  static String springAi(QuotaManager quotas, ChatModel openAiChatModel) {
    // README-START spring-ai
    ChatClient chat =
        ChatClient.builder(openAiChatModel)
            .defaultAdvisors(QuotaAdvisor.builder(quotas).build())
            .build();

    String answer =
        chat.prompt("Plan my week")
            .options(ChatOptions.builder().maxTokens(500))
            .advisors(a -> a.param(QuotaAdvisor.USER, "u-42"))
            .call() // QuotaExceededException before the model is called
            .content();
    // README-END
    return answer;
  }

  @Test
  void admitsAndCommitsThenDenies() {
    QuotaManager quotas =
        QuotaManager.builder()
            .store(new InMemoryQuotaStore())
            .policy(
                QuotaPolicy.builder()
                    .plan(
                        Plan.builder("free")
                            .limit(Limit.of("daily", Metric.TOKENS, Window.DAY, 1_000))
                            .build())
                    .defaultPlan("free")
                    .build())
            .defaultLogging(false)
            .build();
    FakeChatModel fake = new FakeChatModel();
    assertEquals("hello there", springAi(quotas, fake));
    assertEquals(48, quotas.status(SubjectRef.user("u-42")).limits().get(0).used());
    fake.promptTokens = 600;
    assertEquals("hello there", springAi(quotas, fake));
    assertThrows(QuotaExceededException.class, () -> springAi(quotas, fake));
    assertEquals(2, fake.calls.get());
  }
}
