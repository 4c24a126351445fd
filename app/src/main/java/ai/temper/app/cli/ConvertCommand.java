package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.Llama2cToHf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code temper convert --from PATH --to DIR}: writes a Hugging Face model directory
 * (config.json, model.safetensors, tokenizer files, generation_config.json) that Temper and
 * transformers load. Sources: a llama2.c checkpoint with its tokenizer file, or another
 * Hugging Face directory (to change the stored dtype). Needs no workbench.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = "Convert a model into a Hugging Face directory (safetensors).")
public final class ConvertCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "PATH",
      description = "The model: a llama2.c checkpoint (.bin) or a Hugging Face directory.")
  Path from;

  @Option(names = "--to", required = true, paramLabel = "DIR",
      description = "The directory to create (must not exist, or be empty).")
  Path to;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "The llama2.c tokenizer file (default: tokenizer.bin or tok<vocab>.bin "
          + "beside the checkpoint).")
  Path tokenizer;

  @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32",
      description = "Stored weight type: f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Override
  public Integer call() {
    DType dt = switch (dtype.toLowerCase(Locale.ROOT)) {
      case "f32", "float32" -> DType.F32;
      case "f16", "float16" -> DType.F16;
      case "bf16", "bfloat16" -> DType.BF16;
      default -> throw new TemperException("--dtype: expected f32, f16 or bf16, not '" + dtype
          + "'");
    };
    if (!Files.exists(from)) {
      throw new TemperException(from + ": no such file or directory");
    }
    if (Files.isDirectory(from)) {
      if (tokenizer != null) {
        throw new TemperException("--tokenizer is for llama2.c checkpoints; a Hugging Face "
            + "directory brings its own tokenizer files");
      }
      HfCheckpoint.Contents c = HfCheckpoint.readContents(from);
      HfCheckpoint.write(to, c.config(), c.weights(), c.tokenizer(), null, c.generationConfig(),
          dt);
    } else {
      Llama2cToHf.convert(from, tokenizer, to, dt);
    }
    System.out.println(to);
    return 0;
  }
}
