package ai.temper.engine.models;

import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.store.RunRepository.Run;
import java.util.List;

/**
 * One model in the lineage forest: a base model with the checkpoints and adapters trained
 * from it, recursively (a checkpoint can be the base of a later run).
 *
 * @param run the run that produced this checkpoint or adapter (its algorithm is the run's
 *            kind, its data the run's datasets), or null
 */
public record LineageNode(ModelRow model, Run run, List<LineageNode> children) {

  /** The training algorithm (sft, dpo, pretrain...), or null for a base model. */
  public String algorithm() {
    return run == null ? null : run.kind();
  }

  public String datasets() {
    return run == null ? null : run.datasets();
  }

  /** This node and all below it, depth first. */
  public int size() {
    int n = 1;
    for (LineageNode c : children) {
      n += c.size();
    }
    return n;
  }
}
