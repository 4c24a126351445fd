package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Recognises PyTorch pickle files, which Temper never opens: unpickling runs code. */
final class Pickles {
  private Pickles() {}

  /** Names Hugging Face repositories use for pickled weights. */
  static boolean hasPickleName(String fileName) {
    String n = fileName.toLowerCase(Locale.ROOT);
    return n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".pkl") || n.endsWith(".ckpt")
        || n.endsWith(".pickle") || (n.endsWith(".bin") && (n.startsWith("pytorch_model")
            || n.startsWith("adapter_model") || n.startsWith("training_args")
            || n.startsWith("optimizer")));
  }

  /**
   * True when the file starts like a pickle (0x80, protocol 2..5, an opcode) or a zip archive
   * (torch.save's format since PyTorch 1.6).
   */
  static boolean looksPickled(Path file) {
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, 4);
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    if (n < 4) {
      return false;
    }
    boolean pickle = (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] != 0;
    boolean zip = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    return pickle || zip;
  }

  static TemperException refusal(Path file) {
    return new TemperException(file + " is a PyTorch pickle file: Temper never unpickles (it "
        + "can run arbitrary code). Convert it to safetensors first, e.g. with Hugging Face's "
        + "transformers: model.save_pretrained(dir, safe_serialization=True).");
  }
}
