package ai.temper.engine.models;

import java.util.Locale;

/**
 * Names of PyTorch pickle files in a repository listing, which Temper never fetches: unpickling
 * runs code. (Files on disk are refused by {@code ModelLoader.detect}.)
 */
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
}
