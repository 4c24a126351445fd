package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The one way in for model files: recognises the format and reads it. A llama2.c checkpoint
 * (.bin) with its tokenizer file; a Hugging Face directory (config.json); PyTorch pickle files
 * are refused, since unpickling runs code.
 */
public final class ModelLoader {
  private ModelLoader() {}

  /** Reads and builds the model at {@code model}; errors name the file and the problem. */
  public static LoadedModel load(Path model, Path tokenizerOrNull) {
    Checkpoint ckpt = readCheckpoint(model, tokenizerOrNull);
    TorchRuntime.configure(null);
    LlamaModel m = LlamaModel.create(ckpt);
    return new LoadedModel(ckpt.config(), m, ckpt.tokenizer(), ckpt.chatTemplate());
  }

  /**
   * Reads the checkpoint without building the model (for conversion); the tokenizer is always
   * present in the result.
   */
  public static Checkpoint readCheckpoint(Path model, Path tokenizerOrNull) {
    if (detect(model) == ModelFormat.HF) {
      Checkpoint c = HfCheckpoint.read(model);
      if (tokenizerOrNull != null) {
        Tokenizer t = readLlama2cTokenizer(tokenizerOrNull, c.config());
        c = new Checkpoint(c.config(), c.weights(), t, c.chatTemplate(), c.source());
      }
      if (c.tokenizer() == null) {
        throw new TemperException(model + ": no tokenizer found in the model directory "
            + "(tokenizer.json); pass --tokenizer");
      }
      return c;
    }
    Checkpoint c = Llama2cCheckpoint.read(model);
    Path tok = tokenizerOrNull != null ? tokenizerOrNull : siblingTokenizer(model, c.config());
    if (tok == null) {
      throw new TemperException(model + ": a llama2.c checkpoint needs its tokenizer file: "
          + "pass --tokenizer PATH (e.g. tokenizer.bin or tok" + c.config().vocabSize()
          + ".bin)");
    }
    return new Checkpoint(c.config(), c.weights(), readLlama2cTokenizer(tok, c.config()), null,
        c.source());
  }

  /** The format of {@code path}, or a TemperException saying why it cannot be loaded. */
  public static ModelFormat detect(Path path) {
    if (!Files.exists(path)) {
      throw new TemperException(path + ": no such file or directory");
    }
    if (Files.isDirectory(path)) {
      if (Files.isRegularFile(path.resolve("config.json"))) {
        return ModelFormat.HF;
      }
      for (String pickled : new String[] {"pytorch_model.bin", "model.pt", "consolidated.00.pth"}) {
        if (Files.exists(path.resolve(pickled))) {
          throw pickle(path.resolve(pickled));
        }
      }
      throw new TemperException(path + ": not a model directory (no config.json)");
    }
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new TemperException(path + ": cannot read: " + e.getMessage(), e);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      if (zipHoldsPickle(path)) {
        throw pickle(path);
      }
      throw new TemperException(path + ": a zip archive, not a model checkpoint");
    }
    if (n >= 3 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] != 0) {
      throw pickle(path); // PROTO opcode; a llama2.c header would have zero high bytes here
    }
    if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') {
      throw new TemperException(path + ": GGUF files are not supported (use a Hugging Face "
          + "directory or a llama2.c checkpoint)");
    }
    if (n >= 9 && head[8] == '{' && path.getFileName().toString().endsWith(".safetensors")) {
      throw new TemperException(path + ": a lone safetensors file; pass the model directory "
          + "that holds it with its config.json");
    }
    return ModelFormat.LLAMA2C;
  }

  private static TemperException pickle(Path path) {
    return new TemperException(path + ": a PyTorch pickle checkpoint. Temper never loads "
        + "pickle files, because unpickling can run arbitrary code. Convert it to safetensors "
        + "(in Python: model.save_pretrained(dir, safe_serialization=True)) and pass that "
        + "directory.");
  }

  private static boolean zipHoldsPickle(Path path) {
    try (ZipFile zip = new ZipFile(path.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        if (entries.nextElement().getName().endsWith(".pkl")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new TemperException(path + ": corrupt zip archive: " + e.getMessage(), e);
    }
  }

  public static Path siblingTokenizer(Path model, LlamaConfig c) {
    Path dir = model.toAbsolutePath().getParent();
    for (String name : new String[] {"tokenizer.bin", "tok" + c.vocabSize() + ".bin"}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static Llama2cTokenizer readLlama2cTokenizer(Path file, LlamaConfig c) {
    if (!Files.isRegularFile(file)) {
      throw new TemperException(file + ": tokenizer file not found");
    }
    Llama2cTokenizer t = Llama2cTokenizer.read(file);
    if (t.vocabSize() != c.vocabSize()) {
      throw new TemperException(file + ": tokenizer has " + t.vocabSize()
          + " tokens but the model's vocabulary has " + c.vocabSize());
    }
    return t;
  }
}
