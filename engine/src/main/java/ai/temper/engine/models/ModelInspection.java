package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * What a model on disk holds, read from its config and headers without loading weights.
 *
 * @param path          the model: an HF or adapter folder, or a llama2.c file
 * @param format        {@link ModelFormat}
 * @param config        the decoder's shape; null for an adapter
 * @param parameters    the parameter count (the config's, or an adapter's tensors summed)
 * @param tokenizer     the tokenizer file Temper reads (tokenizer.json or the llama2.c file),
 *                      or null when there is none
 * @param tokenizerKind a human description of the tokenizer
 * @param chatTemplate  whether the model carries a chat template
 * @param files         the model's files and sizes
 * @param adapterBase   an adapter's base_model_name_or_path, else null
 */
public record ModelInspection(Path path, ModelFormat format, LlamaConfig config, long parameters,
    Path tokenizer, String tokenizerKind, boolean chatTemplate, List<ModelFile> files,
    String adapterBase) {

  public long totalBytes() {
    long sum = 0;
    for (ModelFile f : files) {
      sum += f.size();
    }
    return sum;
  }

  public boolean isAdapter() {
    return format == ModelFormat.PEFT;
  }
}
