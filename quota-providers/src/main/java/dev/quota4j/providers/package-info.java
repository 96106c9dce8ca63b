/**
 * Exact {@link dev.quota4j.Usage} from the usage objects of the provider SDKs: {@link
 * dev.quota4j.providers.OpenAiUsages} for {@code com.openai:openai-java} and {@link
 * dev.quota4j.providers.AnthropicUsages} for {@code com.anthropic:anthropic-java}. Both SDKs are
 * optional dependencies: a host brings the one it uses.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.providers;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
