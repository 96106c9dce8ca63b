package dev.quota4j.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.quota4j.UsageRequest;
import java.util.Map;

/**
 * Who a LangChain4j chat call is charged to: turns the request and its listener attributes ({@code
 * ChatRequestOptions.listenerAttributes()}, the per-call map LangChain4j hands to the model and its
 * listeners) into a quota4j request for that subject. The decorators add the model, the provider
 * and the token estimate.
 *
 * <p>{@link #fromAttributes()} (the default) reads the subject from the attributes:
 *
 * <pre>{@code
 * model.chat(request, ChatRequestOptions.builder()
 *     .listenerAttributes(Map.of(ChatSubjects.USER, "u-42", ChatSubjects.OPERATION, "planning"))
 *     .build());
 * }</pre>
 */
@FunctionalInterface
public interface ChatSubjects {
  /** Attribute naming the signed-in user charged for the call. */
  String USER = "quota4j.user";

  /** Attribute naming the anonymous session charged for the call (when there is no user). */
  String SESSION = "quota4j.session";

  /** Attribute naming the API key charged for the call (when there is no user or session). */
  String API_KEY = "quota4j.apiKey";

  /** Optional attribute naming the operation, such as {@code planning}. */
  String OPERATION = "quota4j.operation";

  /**
   * The quota4j request for a call, with its subject (and any dimensions) set.
   *
   * @throws IllegalArgumentException when the call names no subject
   */
  UsageRequest.Builder requestFor(ChatRequest request, Map<Object, Object> attributes);

  /**
   * Reads {@value #USER}, else {@value #SESSION}, else {@value #API_KEY} from the attributes, and
   * {@value #OPERATION} if present. A call naming none is refused with an {@link
   * IllegalArgumentException} before any provider call.
   */
  static ChatSubjects fromAttributes() {
    return (request, attributes) -> {
      UsageRequest.Builder b;
      Object user = attributes.get(USER);
      Object session = attributes.get(SESSION);
      Object apiKey = attributes.get(API_KEY);
      if (user != null) {
        b = UsageRequest.forUser(user.toString());
      } else if (session != null) {
        b = UsageRequest.forAnonymous(session.toString());
      } else if (apiKey != null) {
        b = UsageRequest.forApiKey(apiKey.toString());
      } else {
        throw new IllegalArgumentException(
            "listenerAttributes must name who is charged: "
                + USER
                + ", "
                + SESSION
                + " or "
                + API_KEY
                + ", was none of them (keys: "
                + attributes.keySet()
                + ")");
      }
      Object operation = attributes.get(OPERATION);
      if (operation != null) {
        b.operation(operation.toString());
      }
      return b;
    };
  }

  /** Charges every call to one user, whatever the attributes say (a single-user application). */
  static ChatSubjects user(String userId) {
    var unused = UsageRequest.forUser(userId).build(); // validates the id now
    return (request, attributes) -> UsageRequest.forUser(userId);
  }
}
