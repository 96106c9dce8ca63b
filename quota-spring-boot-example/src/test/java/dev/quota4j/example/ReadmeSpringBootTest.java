package dev.quota4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaManager;
import dev.quota4j.QuotaPolicy;
import dev.quota4j.UsageRequest;
import dev.quota4j.jdbc.JdbcQuotaStore;
import dev.quota4j.spring.boot.Quota4jAutoConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ByteArrayResource;

/**
 * The README's "Spring Boot" section: its application.yml starts quota4j, its dependencies exist.
 */
class ReadmeSpringBootTest {
  private static final Path README = Path.of("..", "README.md");

  private static String section(String heading) throws IOException {
    String readme = Files.readString(README);
    int at = readme.indexOf("\n## " + heading + "\n");
    assertTrue(at >= 0, "README has a section " + heading);
    int end = readme.indexOf("\n## ", at + 4);
    return readme.substring(at, end);
  }

  private static String block(String section, String language) {
    int open = section.indexOf("```" + language + "\n");
    assertTrue(open >= 0, "a " + language + " block");
    int close = section.indexOf("\n```", open + 4 + language.length());
    return section.substring(open + 4 + language.length(), close + 1);
  }

  @Test
  void theMinimalApplicationYmlStartsQuota4jOnItsDataSource() throws IOException {
    YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
    yaml.setResources(new ByteArrayResource(block(section("Spring Boot"), "yaml").getBytes()));
    Properties props = yaml.getObject();
    List<String> values = new ArrayList<>();
    props.forEach((k, v) -> values.add(k + "=" + v));
    assertFalse(values.isEmpty());
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                DataSourceAutoConfiguration.class, Quota4jAutoConfiguration.class))
        .withPropertyValues(values.toArray(String[]::new))
        .withPropertyValues("quota4j.retention.enabled=false")
        .run(
            ctx -> {
              assertNull(ctx.getStartupFailure());
              assertTrue(ctx.getBeansOfType(JdbcQuotaStore.class).size() == 1);
              QuotaPolicy policy = ctx.getBean(QuotaPolicy.class);
              assertEquals(10_000, policy.plan("free").limit("daily-tokens").amount());
              assertEquals(1_000_000, policy.plan("pro").limit("daily-tokens").amount());
              assertFalse(policy.plan("free").allowsOperation("planning"));
              QuotaManager m = ctx.getBean(QuotaManager.class);
              assertTrue(
                  m.tryReserve(UsageRequest.forUser("u").estimatedTokens(9_000, 0)).allowed());
              assertFalse(
                  m.tryReserve(UsageRequest.forUser("u").estimatedTokens(2_000, 0)).allowed());
            });
  }

  @Test
  void theDependenciesItNamesAreModulesOfThisBuild() throws IOException {
    Matcher m =
        Pattern.compile("<artifactId>([^<]+)</artifactId>")
            .matcher(block(section("Spring Boot"), "xml"));
    int n = 0;
    while (m.find()) {
      assertTrue(Files.isDirectory(Path.of("..", m.group(1))), m.group(1));
      n++;
    }
    assertEquals(2, n);
  }
}
