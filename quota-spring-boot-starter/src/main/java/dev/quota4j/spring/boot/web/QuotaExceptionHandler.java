package dev.quota4j.spring.boot.web;

import dev.quota4j.QuotaExceededException;
import dev.quota4j.http.QuotaProblem;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a {@link QuotaExceededException} that leaves a controller with an RFC 9457 problem detail
 * ({@code application/problem+json}: status, stable code, limit, remaining, resets-at, upgrade
 * hint; never the subject id or a hidden limit) and the rate-limit headers, {@code Retry-After}
 * included. Ordered before the application's own advice; switch it off with {@code
 * quota4j.http.problem-details=false}, or replace it with a bean of this type.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public class QuotaExceptionHandler {
  private final QuotaHttpAnswers answers;

  /** A handler with these answers. */
  public QuotaExceptionHandler(QuotaHttpAnswers answers) {
    this.answers = answers;
  }

  /** The problem detail and headers of the denial. */
  @ExceptionHandler(QuotaExceededException.class)
  public ResponseEntity<ProblemDetail> onDenied(QuotaExceededException e) {
    QuotaProblem p = answers.problem(e.denial());
    ProblemDetail body = ProblemDetail.forStatus(p.status());
    body.setType(p.type());
    body.setTitle(p.title());
    body.setDetail(p.detail());
    p.properties().forEach(body::setProperty);
    HttpHeaders headers = new HttpHeaders();
    answers.headers(e.denial()).forEach(headers::set);
    return ResponseEntity.status(p.status())
        .headers(headers)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(body);
  }
}
