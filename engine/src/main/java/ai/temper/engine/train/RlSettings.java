package ai.temper.engine.train;

import static ai.temper.engine.train.TrainKind.GRPO;
import static ai.temper.engine.train.TrainKind.PPO;

import java.util.List;

/**
 * The reinforcement-learning fields of a {@link TrainConfig} (grpo, ppo), with open-instruct's
 * grpo_fast / ppo names: {@code num_unique_prompts_rollout} prompts x
 * {@code num_samples_per_prompt_rollout} completions of at most {@code response_length} tokens
 * per step, then {@code num_epochs} passes of {@code num_mini_batches} optimizer steps over
 * them. Each component is a config field (see {@link Setting}); the KL coefficient is the
 * config's {@code beta}, which DPO shares.
 */
public record RlSettings(
    @Setting(dflt = "8", kinds = {GRPO, PPO}, group = "RL",
        doc = "Prompts per rollout batch (one training step)")
    int numUniquePromptsRollout,
    @Setting(dflt = "4", kinds = {GRPO, PPO}, group = "RL",
        doc = "Completions sampled per prompt (the GRPO group size; at least 2 for grpo)")
    int numSamplesPerPromptRollout,
    @Setting(dflt = "64", kinds = {GRPO, PPO}, group = "RL",
        doc = "Generated tokens per completion at most")
    int responseLength,
    @Setting(dflt = "1.0", kinds = {GRPO, PPO}, group = "RL",
        doc = "Sampling temperature of the rollouts")
    double temperature,
    @Setting(kinds = {GRPO, PPO}, group = "RL", doc = "Strings that end a completion (cut before them)")
    List<String> stopStrings,
    @Setting(dflt = "kl3", choices = {"kl1", "kl2", "kl3", "kl4"}, kinds = {GRPO, PPO},
        group = "RL",
        doc = "KL estimator, d = logp - logp_ref: kl1 d, kl2 d^2/2, kl3 exp(-d)-1+d, kl4 ratio*d")
    String klEstimator,
    @Setting(dflt = "0.2", kinds = {GRPO, PPO}, group = "RL",
        doc = "Ratio clip below 1 (1 - clip_lower)")
    double clipLower,
    @Setting(dflt = "0.2", kinds = {GRPO, PPO}, group = "RL",
        doc = "Ratio clip above 1 (1 + clip_higher; DAPO uses 0.28)")
    double clipHigher,
    @Setting(dflt = "1", byKind = "ppo=4", kinds = {GRPO, PPO}, group = "RL",
        doc = "Passes over each rollout batch")
    int numEpochs,
    @Setting(dflt = "1", kinds = {GRPO, PPO}, group = "RL",
        doc = "Optimizer steps per pass over a rollout batch")
    int numMiniBatches,
    @Setting(dflt = "standard", choices = {"standard", "centered"}, kinds = GRPO, group = "RL",
        doc = "GRPO advantages: (r - mean) / (std + 1e-8) per group, or r - mean")
    String advantageNormalizationType,
    @Setting(dflt = "true", kinds = {GRPO, PPO}, group = "RL",
        doc = "Reward verified answers (the row's verifier and ground truth)")
    boolean applyVerifiableReward,
    @Setting(dflt = "10.0", kinds = {GRPO, PPO}, group = "RL",
        doc = "Reward for a verified answer (times the verifier's score)")
    double verificationReward,
    @Setting(nullable = true, kinds = {GRPO, PPO}, group = "RL",
        doc = "A reward model checkpoint (temper train rm) whose score is added to the reward")
    String rewardModelPath,
    @Setting(dflt = "false", byKind = "ppo=true", kinds = {GRPO, PPO}, group = "RL",
        doc = "Give completions that hit response_length without EOS non_stop_penalty_value")
    boolean nonStopPenalty,
    @Setting(dflt = "0.0", byKind = "ppo=-10.0", kinds = {GRPO, PPO}, group = "RL",
        doc = "The reward of a completion without EOS when non_stop_penalty is on")
    double nonStopPenaltyValue,
    @Setting(nullable = true, kinds = PPO, group = "RL",
        doc = "Reward model checkpoint the value head starts from (default: reward_model_path)")
    String valueModelPath,
    @Setting(dflt = "0.1", kinds = PPO, group = "RL", doc = "Value loss weight")
    double vfCoef,
    @Setting(dflt = "0.2", kinds = PPO, group = "RL",
        doc = "Value clip: V stays within V_old +- cliprange_value in the clipped term")
    double cliprangeValue,
    @Setting(dflt = "1.0", kinds = PPO, group = "RL", doc = "GAE discount")
    double gamma,
    @Setting(dflt = "0.95", kinds = PPO, group = "RL", doc = "GAE lambda")
    double lam) {

  /** Completions per rollout batch. */
  public int rolloutSize() {
    return numUniquePromptsRollout * numSamplesPerPromptRollout;
  }
}
