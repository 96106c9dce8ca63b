package dev.quota4j.spring.boot.actuate;

import dev.quota4j.QuotaManager;
import dev.quota4j.spring.boot.Quota4jAutoConfiguration;
import dev.quota4j.spring.boot.Quota4jProperties;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator support for quota4j (Spring Boot 4): the {@code quota4j} health indicator and the {@code
 * quota4j} endpoint, each when Actuator is present and it is enabled and exposed.
 */
@AutoConfiguration(after = Quota4jAutoConfiguration.class)
@ConditionalOnBean(QuotaManager.class)
public class Quota4jActuatorAutoConfiguration {

  /** Creates the auto-configuration. */
  public Quota4jActuatorAutoConfiguration() {}

  /** The health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnEnabledHealthIndicator("quota4j")
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "quota4jHealthIndicator")
    Quota4jHealthIndicator quota4jHealthIndicator(
        QuotaManager manager, Quota4jProperties properties) {
      return new Quota4jHealthIndicator(manager, properties.getFailMode());
    }
  }

  /** The endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  @ConditionalOnAvailableEndpoint(Quota4jEndpoint.class)
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    RecentDenials quota4jRecentDenials(ObjectProvider<Clock> clock) {
      return new RecentDenials(clock.getIfUnique(Clock::systemUTC));
    }

    @Bean
    @ConditionalOnMissingBean
    Quota4jEndpoint quota4jEndpoint(QuotaManager manager, RecentDenials denials) {
      return new Quota4jEndpoint(manager, denials);
    }
  }
}
