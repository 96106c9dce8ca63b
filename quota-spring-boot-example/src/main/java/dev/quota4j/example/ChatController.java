package dev.quota4j.example;

import dev.quota4j.QuotaManager;
import dev.quota4j.Reservation;
import dev.quota4j.Usage;
import dev.quota4j.UsageRequest;
import dev.quota4j.spring.boot.web.QuotaHttpAnswers;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /chat} with the prompt as the body and the user in {@code X-User}: reserves, calls
 * the model, commits what it used, and answers with the rate-limit headers. A denial leaves as
 * {@code QuotaExceededException}, which the starter answers with a problem detail and {@code
 * Retry-After}.
 */
@RestController
public class ChatController {
  private static final long MAX_OUTPUT_TOKENS = 200;

  private final QuotaManager quotas;
  private final QuotaHttpAnswers answers;
  private final FakeLlm llm;

  /** The controller. */
  public ChatController(QuotaManager quotas, QuotaHttpAnswers answers, FakeLlm llm) {
    this.quotas = quotas;
    this.answers = answers;
    this.llm = llm;
  }

  /** One chat call. */
  @PostMapping("/chat")
  public ResponseEntity<Map<String, Object>> chat(
      @RequestHeader("X-User") String user, @RequestBody String prompt) {
    try (Reservation r =
        quotas.reserve(
            UsageRequest.forUser(user)
                .provider("fake")
                .model("fake-1")
                .operation("chat")
                .estimatedTokens(Math.max(1, prompt.length() / 4), MAX_OUTPUT_TOKENS))) {
      HttpHeaders headers = new HttpHeaders();
      answers.headers(r).forEach(headers::set); // figures from the reservation: no store call
      FakeLlm.Reply reply = llm.call(prompt, r.grantedMaxOutputTokens());
      r.commit(Usage.of(reply.inputTokens(), reply.outputTokens()));
      return ResponseEntity.ok()
          .headers(headers)
          .body(
              Map.of(
                  "answer", reply.text(),
                  "inputTokens", reply.inputTokens(),
                  "outputTokens", reply.outputTokens()));
    }
  }
}
