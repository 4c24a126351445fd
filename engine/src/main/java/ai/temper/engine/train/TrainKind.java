package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import java.util.Locale;

/** The training algorithms: what the loss is and which dataset kind feeds it. */
public enum TrainKind {
  /** Next-token prediction on plain text, every token trained (optionally from scratch). */
  PRETRAIN("text"),
  /** Supervised finetuning on conversations, loss on assistant tokens only. */
  SFT("messages"),
  /** Direct preference optimisation (dpo, dpo_norm, simpo) on preference pairs. */
  DPO("preference"),
  /** A Bradley-Terry reward model (scalar head) on preference pairs. */
  RM("preference"),
  /** RLVR with GRPO: group-sampled rollouts scored by verifiers (and/or a reward model). */
  GRPO("rlvr"),
  /** PPO with a value head, GAE and a per-token KL penalty; reward model and/or verifiers. */
  PPO("rlvr");

  private final String datasetKind;

  TrainKind(String datasetKind) {
    this.datasetKind = datasetKind;
  }

  /** The id used on the command line and in the runs table. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The dataset kind (messages, preference, text) this algorithm reads. */
  public String datasetKind() {
    return datasetKind;
  }

  public static TrainKind of(String id) {
    for (TrainKind k : values()) {
      if (k.id().equalsIgnoreCase(id)) {
        return k;
      }
    }
    throw new TemperException("Unknown training kind '" + id + "' (pretrain, sft, dpo, rm, grpo or ppo)");
  }
}
