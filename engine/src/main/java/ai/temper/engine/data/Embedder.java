package ai.temper.engine.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Text to a vector, for selection by nearest neighbours. The model-embedding path (mean-pooled
 * hidden states of a chosen model) implements this; {@link HashedTfIdfEmbedder} is a
 * model-free one. Vectors need not be normalised: retrieval compares them by cosine.
 */
public interface Embedder extends AutoCloseable {
  /** What produced the vectors, for provenance ("tfidf-4096", a model path...). */
  String name();

  int dimension();

  float[] embed(String text);

  /** Embeds many texts; models override this to batch. */
  default List<float[]> embedAll(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(embed(t));
    }
    return out;
  }

  @Override
  default void close() {}
}
