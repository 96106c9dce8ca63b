package dev.quota4j.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The example service: {@code POST /chat} through quota4j, with Actuator and Prometheus. */
@SpringBootApplication
public class QuotaExampleApplication {
  /** Starts the service. */
  public static void main(String[] args) {
    SpringApplication.run(QuotaExampleApplication.class, args);
  }
}
