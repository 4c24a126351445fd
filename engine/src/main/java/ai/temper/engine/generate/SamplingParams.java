package ai.temper.engine.generate;

import java.util.List;

/**
 * How to pick tokens and when to stop, with Hugging Face's meanings.
 *
 * @param temperature  0 for greedy decoding (argmax), else logits are divided by it
 * @param topK         keep the k most likely tokens (0: off); applied before top-p
 * @param topP         keep the smallest set of most likely tokens whose probability reaches
 *                     top_p (1: off)
 * @param seed         seed of the sampler; row i of a batch draws from its own stream derived
 *                     from (seed, i); null picks one at random
 * @param maxNewTokens generated tokens per prompt at most (used when maxLength is 0)
 * @param maxLength    if positive: positions the model runs per sequence, counting BOS and the
 *                     prompt; the token chosen at the last position is emitted too (llama2.c's
 *                     "steps": max_length 256 from BOS alone gives 256 new tokens, which is
 *                     one more than Hugging Face's max_length would)
 * @param stopStrings  generation of a prompt ends when its completion contains one of these;
 *                     the completion is cut before it
 * @param stopIds      extra token ids that end generation (besides EOS and the tokenizer's stop
 *                     tokens); the stop token is not part of the text
 * @param ignoreEos    keep going past EOS and stop ids (benchmarks)
 */
public record SamplingParams(double temperature, int topK, double topP, Long seed,
    int maxNewTokens, int maxLength, List<String> stopStrings, List<Integer> stopIds,
    boolean ignoreEos) {

  public SamplingParams {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 0 || maxLength < 0) {
      throw new IllegalArgumentException("max_new_tokens and max_length must be >= 0");
    }
    stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    stopIds = stopIds == null ? List.of() : List.copyOf(stopIds);
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("stop strings must not be empty");
      }
    }
  }

  /** Sampling at temperature 1 with no top-k/top-p cut, 256 new tokens at most. */
  public static SamplingParams defaults() {
    return new SamplingParams(1.0, 0, 1.0, null, 256, 0, List.of(), List.of(), false);
  }

  /** Greedy decoding of up to {@code maxNewTokens} tokens. */
  public static SamplingParams greedy(int maxNewTokens) {
    return defaults().withTemperature(0).withMaxNewTokens(maxNewTokens);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  /** New tokens allowed after a prompt of {@code promptLength} tokens (BOS included). */
  public int newTokenLimit(int promptLength) {
    return maxLength > 0 ? Math.max(0, maxLength - promptLength + 1) : maxNewTokens;
  }

  public SamplingParams withTemperature(double t) {
    return new SamplingParams(t, topK, topP, seed, maxNewTokens, maxLength, stopStrings,
        stopIds, ignoreEos);
  }

  public SamplingParams withTopK(int k) {
    return new SamplingParams(temperature, k, topP, seed, maxNewTokens, maxLength, stopStrings,
        stopIds, ignoreEos);
  }

  public SamplingParams withTopP(double p) {
    return new SamplingParams(temperature, topK, p, seed, maxNewTokens, maxLength, stopStrings,
        stopIds, ignoreEos);
  }

  public SamplingParams withSeed(Long s) {
    return new SamplingParams(temperature, topK, topP, s, maxNewTokens, maxLength, stopStrings,
        stopIds, ignoreEos);
  }

  /** Sets max_new_tokens and clears max_length. */
  public SamplingParams withMaxNewTokens(int n) {
    return new SamplingParams(temperature, topK, topP, seed, n, 0, stopStrings, stopIds,
        ignoreEos);
  }

  /** Sets max_length (positions including BOS and prompt), which then wins. */
  public SamplingParams withMaxLength(int n) {
    return new SamplingParams(temperature, topK, topP, seed, maxNewTokens, n, stopStrings,
        stopIds, ignoreEos);
  }

  public SamplingParams withStopStrings(List<String> s) {
    return new SamplingParams(temperature, topK, topP, seed, maxNewTokens, maxLength, s,
        stopIds, ignoreEos);
  }

  public SamplingParams withStopIds(List<Integer> ids) {
    return new SamplingParams(temperature, topK, topP, seed, maxNewTokens, maxLength,
        stopStrings, ids, ignoreEos);
  }

  public SamplingParams withIgnoreEos(boolean ignore) {
    return new SamplingParams(temperature, topK, topP, seed, maxNewTokens, maxLength,
        stopStrings, stopIds, ignore);
  }
}
