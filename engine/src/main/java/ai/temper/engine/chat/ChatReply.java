package ai.temper.engine.chat;

import ai.temper.engine.generate.FinishReason;

/**
 * One generated assistant reply.
 *
 * @param text                  the reply, cut before a stop string
 * @param tokens                tokens generated (a final stop token included)
 * @param promptTokens          tokens of the rendered conversation the reply continues
 * @param seconds               wall time from the request to the last token (prompt included)
 * @param tokensPerSecond       {@code tokens / seconds}: the speed a user sees
 * @param decodeTokensPerSecond tokens after the first per second after the first (decoding
 *                              alone, without the prompt's forward pass); NaN below 2 tokens
 * @param finishReason          EOS, a stop string, the length limit, or stopped by the user
 */
public record ChatReply(String text, int tokens, int promptTokens, double seconds,
    double tokensPerSecond, double decodeTokensPerSecond, FinishReason finishReason) {}
