package dev.quota4j.tokens;

import dev.quota4j.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * One message of a chat request, for {@link TokenCounter#countMessages}.
 *
 * <p>{@link #toString()} shows the role, the name and the length of the content, never the content:
 * prompt text stays out of logs.
 *
 * @param role who speaks: {@code system}, {@code user}, {@code assistant}, {@code tool}, ...
 * @param content the text of the message; may be empty
 * @param name the optional participant name of the message, or null
 */
public record ChatMessage(String role, String content, @Nullable String name) {

  /** Validates the message: a non-blank role, non-null content, a non-blank name when given. */
  public ChatMessage {
    Checks.id("role", role);
    Checks.argument(content != null, "content", "must not be null", "null");
    Checks.optionalId("name", name);
  }

  /** A message without a name. */
  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, null);
  }

  /** A {@code system} message. */
  public static ChatMessage system(String content) {
    return of("system", content);
  }

  /** A {@code user} message. */
  public static ChatMessage user(String content) {
    return of("user", content);
  }

  /** An {@code assistant} message. */
  public static ChatMessage assistant(String content) {
    return of("assistant", content);
  }

  /** This message with a participant name. */
  public ChatMessage withName(String name) {
    return new ChatMessage(role, content, Checks.id("name", name));
  }

  @Override
  public String toString() {
    return "ChatMessage[role="
        + Checks.show(role)
        + (name == null ? "" : ", name=" + Checks.show(name))
        + ", content="
        + content.length()
        + " chars]";
  }
}
