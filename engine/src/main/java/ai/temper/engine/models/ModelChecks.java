package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What `models import` checks before anything is registered: that no file of a model folder
 * is a link leaving the folder (its target would be read, or copied into the model cache), and
 * that the safetensors headers are sound (offsets within the file, sizes matching dtype and
 * shape) and agree with config.json for every tensor whose Hugging Face name says its shape.
 */
final class ModelChecks {
  /** The most elements a tensor may have: one Java array holds it when loaded. */
  static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8;
  private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

  private ModelChecks() {}

  /**
   * Refuses {@code file} (in {@code dir}) when it is a symbolic link whose target lies outside
   * the folder. A Hugging Face cache snapshot's links into its repository's {@code blobs/}
   * folder are allowed.
   */
  static void checkLink(Path dir, Path file) {
    if (!Files.isSymbolicLink(file)) {
      return;
    }
    try {
      Path real = file.toRealPath();
      Path home = dir.toRealPath();
      if (real.startsWith(home)) {
        return;
      }
      Path parent = home.getParent();
      if (parent != null && parent.getFileName() != null
          && parent.getFileName().toString().equals("snapshots") && parent.getParent() != null
          && real.startsWith(parent.getParent().resolve("blobs"))) {
        return; // ~/.cache/huggingface/hub/models--x/snapshots/REV/f -> ../../blobs/SHA
      }
    } catch (IOException e) {
      throw new TemperException(file + ": a symbolic link that cannot be followed");
    }
    throw new TemperException(file + ": a symbolic link to a file outside the model folder; "
        + "Temper does not follow it (copy the file into the folder, or remove the link)");
  }

  /** Opens every weights file's header and checks the tensor shapes against the config. */
  static void checkWeights(Path dir, List<String> names, LlamaConfig config) {
    for (String n : names) {
      if (!ModelFileSelection.isWeights(n) || n.startsWith("optimizer")) {
        continue;
      }
      Path file = dir.resolve(n);
      try (SafetensorsFile f = SafetensorsFile.open(file)) {
        for (SafetensorsFile.Entry e : f.entries()) {
          if (e.numel() > MAX_TENSOR_ELEMENTS) {
            throw new TemperException(file + ": tensor '" + e.name() + "' has " + e.numel()
                + " elements, more than Temper can load");
          }
          if (config != null) {
            checkShape(file, dir.resolve("config.json"), e, config);
          }
        }
      }
    }
  }

  private static void checkShape(Path file, Path configFile, SafetensorsFile.Entry e,
      LlamaConfig c) {
    long h = c.hiddenSize();
    long[] want = switch (e.name()) {
      case "model.embed_tokens.weight", "lm_head.weight" -> new long[] {c.vocabSize(), h};
      case "model.norm.weight" -> new long[] {h};
      default -> null;
    };
    Matcher m = LAYER.matcher(e.name());
    if (want == null && m.matches()) {
      long layer = Long.parseLong(m.group(1).length() > 9 ? "999999999" : m.group(1));
      if (layer >= c.numHiddenLayers()) {
        throw new TemperException(file + ": tensor '" + e.name() + "' is for layer " + layer
            + " but " + configFile + " has num_hidden_layers " + c.numHiddenLayers());
      }
      long q = c.queryDim();
      long kv = c.kvDim();
      long inter = c.intermediateSize();
      want = switch (m.group(2)) {
        case "input_layernorm.weight", "post_attention_layernorm.weight" -> new long[] {h};
        case "self_attn.q_proj.weight" -> new long[] {q, h};
        case "self_attn.k_proj.weight", "self_attn.v_proj.weight" -> new long[] {kv, h};
        case "self_attn.o_proj.weight" -> new long[] {h, q};
        case "self_attn.q_proj.bias" -> new long[] {q};
        case "self_attn.k_proj.bias", "self_attn.v_proj.bias" -> new long[] {kv};
        case "mlp.gate_proj.weight", "mlp.up_proj.weight" -> new long[] {inter, h};
        case "mlp.down_proj.weight" -> new long[] {h, inter};
        default -> null;
      };
    }
    if (want != null && !Arrays.equals(want, e.shape())) {
      throw new TemperException(file + ": tensor '" + e.name() + "' has shape "
          + Arrays.toString(e.shape()) + " but " + configFile + " implies "
          + Arrays.toString(want));
    }
  }
}
