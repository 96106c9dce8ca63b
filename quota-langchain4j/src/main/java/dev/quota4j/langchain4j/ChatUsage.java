package dev.quota4j.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.quota4j.Usage;
import dev.quota4j.tokens.ChatMessage;
import dev.quota4j.tokens.TokenCounter;
import dev.quota4j.tokens.ToolDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Conversions between LangChain4j's messages and usage and quota4j's. */
final class ChatUsage {
  private ChatUsage() {}

  /** LangChain4j messages as the role/content/name messages quota4j's counter counts. */
  static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> in) {
    List<ChatMessage> out = new ArrayList<>(in.size());
    for (dev.langchain4j.data.message.ChatMessage m : in) {
      out.add(message(m));
    }
    return out;
  }

  static ChatMessage message(dev.langchain4j.data.message.ChatMessage m) {
    if (m instanceof SystemMessage s) {
      return ChatMessage.system(s.text());
    }
    if (m instanceof UserMessage u) {
      StringBuilder text = new StringBuilder();
      for (Content c : u.contents()) {
        if (c instanceof TextContent t) {
          text.append(t.text());
        }
      }
      return new ChatMessage("user", text.toString(), u.name());
    }
    if (m instanceof AiMessage a) {
      StringBuilder text = new StringBuilder(a.text() == null ? "" : a.text());
      for (ToolExecutionRequest r : a.toolExecutionRequests()) {
        text.append(r.name()).append(r.arguments());
      }
      return ChatMessage.assistant(text.toString());
    }
    if (m instanceof ToolExecutionResultMessage t) {
      return new ChatMessage("tool", t.text(), null);
    }
    return ChatMessage.of(m.type().name().toLowerCase(java.util.Locale.ROOT), m.toString());
  }

  /**
   * The input tokens of a request: its messages and tool specifications as OpenAI bills them
   * ({@link TokenCounter#countMessages(List, List, String)}).
   */
  static long inputTokens(TokenCounter counter, ChatRequest request, String model) {
    List<ToolSpecification> tools = request.toolSpecifications();
    List<ToolDefinition> defs = new ArrayList<>();
    if (tools != null) {
      for (ToolSpecification t : tools) {
        defs.add(tool(t));
      }
    }
    return counter.countMessages(messages(request.messages()), defs, model);
  }

  /** A LangChain4j tool specification as the definition quota4j counts. */
  static ToolDefinition tool(ToolSpecification t) {
    List<ToolDefinition.ToolParameter> params = new ArrayList<>();
    JsonObjectSchema schema = t.parameters();
    if (schema != null && schema.properties() != null) {
      for (Map.Entry<String, JsonSchemaElement> e : schema.properties().entrySet()) {
        JsonSchemaElement el = e.getValue();
        List<String> values =
            el instanceof JsonEnumSchema en && en.enumValues() != null
                ? en.enumValues()
                : List.of();
        params.add(
            new ToolDefinition.ToolParameter(e.getKey(), type(el), el.description(), values));
      }
    }
    return new ToolDefinition(t.name(), t.description(), params);
  }

  private static String type(JsonSchemaElement el) {
    if (el instanceof JsonStringSchema || el instanceof JsonEnumSchema) {
      return "string";
    }
    if (el instanceof JsonIntegerSchema) {
      return "integer";
    }
    if (el instanceof JsonNumberSchema) {
      return "number";
    }
    if (el instanceof JsonBooleanSchema) {
      return "boolean";
    }
    if (el instanceof JsonArraySchema) {
      return "array";
    }
    return "object";
  }

  /**
   * What a response reports. A response without token usage is charged the estimated input and its
   * text's tokens as output, so that nothing goes uncounted.
   */
  static Usage usage(
      ChatResponse response, long estimatedInput, TokenCounter counter, String model) {
    TokenUsage t = response.tokenUsage();
    Integer in = t == null ? null : t.inputTokenCount();
    Integer out = t == null ? null : t.outputTokenCount();
    long input = in != null ? in : estimatedInput;
    long output = out != null ? out : outputTokens(response, counter, model);
    Usage u = Usage.of(input, output);
    String used = response.modelName();
    return used != null && !used.isBlank() ? u.withModel(used) : u;
  }

  static long outputTokens(ChatResponse response, TokenCounter counter, String model) {
    AiMessage a = response.aiMessage();
    return a == null || a.text() == null ? 0 : counter.count(a.text(), model);
  }

  static String nonBlank(@Nullable String s, String otherwise) {
    return s == null || s.isBlank() ? otherwise : s;
  }
}
