package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A tool (function) a chat request offers the model, as far as its token count needs: name,
 * description and top-level parameters.
 *
 * @param name the function's name
 * @param description what it does; null or empty when none
 * @param parameters its top-level parameters (the {@code properties} of its JSON schema)
 */
public record ToolDefinition(
    String name, @Nullable String description, List<ToolParameter> parameters) {

  /** Validates the name and copies the parameters. */
  public ToolDefinition {
    Checks.argument(name != null, "name", "must not be null", "null");
    Checks.argument(parameters != null, "parameters", "must not be null", "null");
    parameters = List.copyOf(parameters);
  }

  /**
   * One parameter of a tool.
   *
   * @param name the property name
   * @param type its JSON schema type, such as {@code string}
   * @param description what it means; null or empty when none
   * @param enumValues the values it may take, if it is an enum; empty otherwise
   */
  public record ToolParameter(
      String name, String type, @Nullable String description, List<String> enumValues) {

    /** Validates the name and type and copies the values. */
    public ToolParameter {
      Checks.argument(name != null, "name", "must not be null", "null");
      Checks.argument(type != null, "type", "must not be null", "null");
      Checks.argument(enumValues != null, "enumValues", "must not be null", "null");
      enumValues = List.copyOf(enumValues);
    }
  }
}
