package dev.quota4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code quota-bom} lists every module of the root pom that is deployed (all but those that set
 * {@code maven.deploy.skip}), at the parent's version: a module added to the build but not to the
 * BOM fails here.
 */
class BomTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theBomListsEveryDeployedModuleAtTheProjectsVersion() throws IOException {
    String root = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("quota-bom/pom.xml"));
    List<String> deployed = new ArrayList<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(root);
    while (m.find()) {
      String module = m.group(1);
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      if (!module.equals("quota-bom")
          && !pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
        deployed.add(artifactId(pom));
      }
    }
    assertTrue(deployed.contains("quota-core"), "deployed modules: " + deployed);
    for (String artifact : deployed) {
      assertTrue(
          bom.contains("<artifactId>" + artifact + "</artifactId>"),
          "quota-bom/pom.xml lists " + artifact);
    }
    assertEquals(version(root), version(bom), "quota-bom's version is the parent's");
    assertTrue(!bom.contains("<parent>"), "quota-bom has no parent: it pins nothing else");
  }

  /** The project's own artifactId: the first one after its parent block, if any. */
  private static String artifactId(String pom) {
    int from = pom.indexOf("</parent>");
    Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(pom);
    assertTrue(m.find(Math.max(from, 0)), "an artifactId");
    return m.group(1);
  }

  private static String version(String pom) {
    Matcher m =
        Pattern.compile("<artifactId>(quota4j-parent|quota-bom)</artifactId>\\s*<version>([^<]+)<")
            .matcher(pom);
    assertTrue(m.find(), "a version");
    return m.group(2);
  }
}
