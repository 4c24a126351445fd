package ai.temper.engine.vpl;

import ai.temper.engine.data.Embedder;
import java.util.HashMap;
import java.util.Map;

/**
 * phi(x, y): the fixed features the VPL networks read, for prompt x and response y: the
 * response's embedding, the prompt's embedding, and two length features of the response
 * (ln(1 + words) / 4 and ln(1 + sentences) / 2), which text embeddings normalised to unit
 * length would otherwise lose. Embeddings are cached per text.
 */
final class PairFeatures implements AutoCloseable {
  private final Embedder embedder;
  private final Map<String, float[]> cache = new HashMap<>();

  PairFeatures(Embedder embedder) {
    this.embedder = embedder;
  }

  String name() {
    return embedder.name() + "+length";
  }

  int dimension() {
    return 2 * embedder.dimension() + 2;
  }

  private float[] embed(String text) {
    return cache.computeIfAbsent(text, embedder::embed);
  }

  float[] phi(String prompt, String response) {
    int e = embedder.dimension();
    float[] out = new float[dimension()];
    System.arraycopy(embed(response), 0, out, 0, e);
    System.arraycopy(embed(prompt), 0, out, e, e);
    String t = response.strip();
    int words = t.isEmpty() ? 0 : t.split("\\s+").length;
    int sentences = t.isEmpty() ? 0 : t.split("[.!?]+(\\s|$)").length;
    out[2 * e] = (float) (Math.log1p(words) / 4);
    out[2 * e + 1] = (float) (Math.log1p(sentences) / 2);
    return out;
  }

  @Override
  public void close() {
    embedder.close();
  }
}
