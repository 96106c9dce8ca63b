/**
 * quota4j for Spring AI: a {@code ChatClient} advisor for calls and streams, and a {@code
 * ChatModel} decorator, that reserve before the model is called, deny over the limit, and commit
 * the usage the model reports.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.springai;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
