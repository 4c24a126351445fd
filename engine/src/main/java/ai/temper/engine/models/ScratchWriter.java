package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelFormat;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.Llama2cTokenizerConverter;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import java.nio.file.Path;

/**
 * Writes a new model as a Hugging Face folder: config.json, model.safetensors,
 * generation_config.json and the tokenizer files of the model it takes its tokenizer from (a
 * llama2.c tokenizer converted to tokenizer.json, so Temper and HF tools both read it).
 */
final class ScratchWriter {
  private ScratchWriter() {}

  static void write(Path dir, LlamaConfig config, StateDict weights, ModelInspection tokenizerFrom) {
    HfTokenizerFiles tokenizer = tokenizerFrom.format() == ModelFormat.LLAMA2C
        ? Llama2cTokenizerConverter.convert(tokenizerFrom.tokenizer())
        : HfTokenizerFiles.read(tokenizerFrom.path());
    HfCheckpoint.write(dir, config, weights, tokenizer, null, null);
  }
}
