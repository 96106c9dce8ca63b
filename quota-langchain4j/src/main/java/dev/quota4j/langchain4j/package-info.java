/**
 * quota4j around LangChain4j chat models: {@link dev.quota4j.langchain4j.QuotaChatModel} and {@link
 * dev.quota4j.langchain4j.QuotaStreamingChatModel} reserve before the provider is called, commit
 * what it reports and deny before any provider call; {@link
 * dev.quota4j.langchain4j.QuotaChatModelListener} records the usage of models that cannot be
 * wrapped; {@link dev.quota4j.langchain4j.Quota4jTokenCountEstimator} lets quota4j's token counter
 * serve as LangChain4j's.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.langchain4j;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
