package ai.temper.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Embeddings from a language model, as in data-efficient finetuning by retrieval: the final
 * normed hidden states, mean-pooled over the text's tokens. Texts are right-padded in batches;
 * the model is causal, so padding after a text never changes its hidden states, and the mean
 * counts real tokens only.
 */
public final class ModelEmbedder implements Embedder {
  private static final int BATCH = 16;

  private final LoadedModel loaded;
  private final String name;
  private final int maxTokens;

  public ModelEmbedder(LoadedModel loaded, String name, int maxTokens) {
    this.loaded = loaded;
    this.name = name;
    this.maxTokens = maxTokens;
  }

  /** Loads the model at {@code model}; texts are cut to {@code maxTokens} tokens. */
  public static ModelEmbedder open(Path model, Path tokenizerOrNull, int maxTokens) {
    return new ModelEmbedder(ModelLoader.load(model, tokenizerOrNull),
        "mean-pooled hidden states of " + model, maxTokens);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int dimension() {
    return loaded.config().hiddenSize();
  }

  @Override
  public float[] embed(String text) {
    return embedAll(List.of(text)).get(0);
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += BATCH) {
      out.addAll(embedBatch(texts.subList(from, Math.min(texts.size(), from + BATCH))));
    }
    return out;
  }

  private List<float[]> embedBatch(List<String> texts) {
    int b = texts.size();
    int[][] seqs = new int[b][];
    int t = 1;
    for (int i = 0; i < b; i++) {
      int[] ids = loaded.tokenizer().encode(texts.get(i), true);
      seqs[i] = ids.length > maxTokens ? Arrays.copyOf(ids, maxTokens) : ids;
      t = Math.max(t, seqs[i].length);
    }
    int[] flat = new int[b * t];
    float[] mask = new float[b * t];
    Arrays.fill(flat, loaded.tokenizer().padId());
    for (int i = 0; i < b; i++) {
      System.arraycopy(seqs[i], 0, flat, i * t, seqs[i].length);
      Arrays.fill(mask, i * t, i * t + seqs[i].length, 1f);
    }
    int h = dimension();
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope();
        NDManager nd = Devices.newManager()) {
      NDArray ids = nd.create(flat, new Shape(b, t));
      NDArray m = nd.create(mask, new Shape(b, t, 1));
      NDArray hidden = loaded.model().hiddenStates(ids, null);
      NDArray pooled = hidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}));
      float[] all = pooled.toFloatArray();
      List<float[]> out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        out.add(Arrays.copyOfRange(all, i * h, (i + 1) * h));
      }
      return out;
    }
  }

  @Override
  public void close() {
    loaded.close();
  }
}
