package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.store.ModelRepository.EvalRow;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.store.RunRepository.Run;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Everything the Models page and {@code temper models show} say about one model.
 *
 * @param present   whether its files are still on disk
 * @param problem   why its files could not be read (moved, damaged), else null
 * @param config    its shape; null for an adapter, or when unreadable
 * @param memory    the fp32 estimate; null without a config
 * @param parent    the base of a checkpoint or adapter, or null
 * @param run       the run that produced it, or null
 * @param children  checkpoints and adapters made from it
 * @param evals     evaluation results recorded so far
 */
public record ModelDetails(ModelRow model, boolean present, String problem, LlamaConfig config,
    long parameters, MemoryEstimate memory, String tokenizerKind, Path tokenizer,
    boolean chatTemplate, List<ModelFile> files, ModelRow parent, Run run,
    List<ModelRow> children, List<EvalRow> evals) {

  public long totalBytes() {
    long sum = 0;
    for (ModelFile f : files) {
      sum += f.size();
    }
    return sum;
  }

  /** A plain-text report, one "label: value" per line. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    ModelRow m = model;
    line(sb, "id", m.id());
    line(sb, "name", m.name());
    line(sb, "kind", m.kind());
    line(sb, "format", m.format());
    line(sb, "path", m.path() + (present ? "" : "  (MISSING)"));
    if (m.tokenizerPath() != null) {
      line(sb, "tokenizer file", m.tokenizerPath());
    }
    line(sb, "source", m.source());
    line(sb, "stored", m.owned() ? "in the home's model cache (removed with the entry)"
        : "by reference (files stay where they are)");
    line(sb, "added", m.createdAt());
    if (problem != null) {
      line(sb, "problem", problem);
    }
    if (parent != null) {
      line(sb, "base", parent.name() + " (id " + parent.id() + ")");
    } else if (m.parentId() != null) {
      line(sb, "base", "id " + m.parentId());
    }
    if (run != null) {
      line(sb, "run", run.id() + (run.name() == null ? "" : " " + run.name()) + " ("
          + run.kind() + ", " + run.status() + ")");
      line(sb, "algorithm", run.kind());
      line(sb, "data", run.datasets());
    }
    if (m.step() != null) {
      line(sb, "step", m.step());
    }
    line(sb, "parameters", parameters > 0 ? String.format(Locale.ROOT, "%,d (%s)", parameters,
        Sizes.parameters(parameters)) : null);
    if (config != null) {
      line(sb, "architecture", config.architecture() + " (" + config.variant().modelType()
          + (config.variant().fastDecodable() ? "" : "; decodes through the forward path")
          + ")");
      line(sb, "shape", "hidden " + config.hiddenSize() + ", intermediate "
          + config.intermediateSize() + ", " + config.numHiddenLayers() + " layers, "
          + config.numAttentionHeads() + " heads (" + config.numKeyValueHeads() + " KV, head dim "
          + config.headDim() + "), vocab " + config.vocabSize());
      line(sb, "context", config.maxPositionEmbeddings() + " positions, RoPE theta "
          + trim(config.ropeTheta()) + (config.ropeScaling() == null ? ""
              : ", scaling " + config.ropeScaling()));
      line(sb, "output head", config.tieWordEmbeddings() ? "tied to the embeddings" : "separate");
    }
    if (memory != null) {
      line(sb, "memory", memory);
      line(sb, "needs", memory.uses());
    }
    line(sb, "tokenizer", tokenizerKind);
    line(sb, "chat template", chatTemplate ? "yes" : "no (Temper uses the Tulu template)");
    if (!files.isEmpty()) {
      line(sb, "files", files.size() + ", " + Sizes.bytes(totalBytes()));
      for (ModelFile f : files) {
        sb.append("    ").append(f.name()).append("  ").append(Sizes.bytes(f.size())).append('\n');
      }
    }
    if (!children.isEmpty()) {
      line(sb, "derived", children.size() + " checkpoint(s)/adapter(s)");
      for (ModelRow c : children) {
        sb.append("    ").append(c.id()).append("  ").append(c.kind()).append("  ")
            .append(c.name()).append('\n');
      }
    }
    if (evals.isEmpty()) {
      line(sb, "evaluations", "none yet");
    } else {
      line(sb, "evaluations", evals.size());
      for (EvalRow e : evals) {
        sb.append("    ").append(e.suite() == null ? "" : e.suite() + "/").append(e.task())
            .append("  ").append(e.metric()).append(" = ")
            .append(String.format(Locale.ROOT, "%.4f", e.value()))
            .append(e.instances() == null ? "" : "  (" + e.instances() + " instances)")
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static void line(StringBuilder sb, String label, Object value) {
    sb.append(String.format(Locale.ROOT, "%-14s %s\n", label + ":", value == null ? "-" : value));
  }
}
