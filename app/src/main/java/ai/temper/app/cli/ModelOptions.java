package ai.temper.app.cli;

import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model PATH [--tokenizer PATH]} for commands that load one model file (mix in with
 * {@code @Mixin}).
 */
public final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "PATH",
      description = "Model: a Hugging Face directory or a llama2.c .bin file.")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer, if not beside the model (llama2.c: tokenizer.bin beside it).")
  Path tokenizer;

  /** Loads the model with its tokenizer. */
  public LoadedModel load() {
    if (!java.nio.file.Files.exists(model)) {
      // a library name given where a path is wanted is the usual cause
      throw new ai.temper.engine.TemperException(model + ": no such file or directory (--model"
          + " takes a path; `temper models show NAME` prints a library model's path)");
    }
    return ModelLoader.load(model, tokenizer);
  }
}
