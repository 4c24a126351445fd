package ai.temper.engine.train;

import java.util.List;

/**
 * The reinforcement-learning fields of a {@link TrainConfig} (grpo, ppo), with open-instruct's
 * names: {@code num_unique_prompts_rollout} prompts x {@code num_samples_per_prompt_rollout}
 * completions of at most {@code response_length} tokens per step, then {@code num_epochs}
 * passes of {@code num_mini_batches} optimizer steps over them.
 */
public record RlSettings(int numUniquePromptsRollout, int numSamplesPerPromptRollout,
    int responseLength, double temperature, List<String> stopStrings, String klEstimator,
    double clipLower, double clipHigher, int numEpochs, int numMiniBatches,
    String advantageNormalizationType, boolean applyVerifiableReward, double verificationReward,
    String rewardModelPath, boolean nonStopPenalty, double nonStopPenaltyValue,
    String valueModelPath, double vfCoef, double cliprangeValue, double gamma, double lam,
    double beta) {

  /** Completions per rollout batch. */
  public int rolloutSize() {
    return numUniquePromptsRollout * numSamplesPerPromptRollout;
  }
}
