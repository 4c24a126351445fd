package ai.temper.engine.data;

/**
 * Hashed bag-of-words TF-IDF vectors: each word (see {@link Ngrams#wordHashes}) goes to one of
 * {@code dimension} buckets by its hash, weighted by (1 + log tf) times the bucket's inverse
 * document frequency in the corpus it was fitted on, with a hashed sign so that colliding
 * words tend to cancel rather than add up. A cheap, model-free {@link Embedder}.
 */
public final class HashedTfIdfEmbedder implements Embedder {
  private final int dimension;
  private final float[] idf;

  private HashedTfIdfEmbedder(int dimension, float[] idf) {
    this.dimension = dimension;
    this.idf = idf;
  }

  /** Learns the inverse document frequencies of the buckets from {@code corpus}. */
  public static HashedTfIdfEmbedder fit(Iterable<String> corpus, int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be positive");
    }
    long[] df = new long[dimension];
    long docs = 0;
    boolean[] seen = new boolean[dimension];
    for (String text : corpus) {
      docs++;
      java.util.Arrays.fill(seen, false);
      for (long h : Ngrams.wordHashes(text)) {
        int b = bucket(h, dimension);
        if (!seen[b]) {
          seen[b] = true;
          df[b]++;
        }
      }
    }
    float[] idf = new float[dimension];
    for (int b = 0; b < dimension; b++) {
      idf[b] = (float) (Math.log((docs + 1.0) / (df[b] + 1.0)) + 1.0);
    }
    return new HashedTfIdfEmbedder(dimension, idf);
  }

  private static int bucket(long h, int dimension) {
    return (int) Math.floorMod(h ^ (h >>> 29), (long) dimension);
  }

  @Override
  public String name() {
    return "tfidf-" + dimension;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[] embed(String text) {
    float[] tf = new float[dimension];
    float[] sign = new float[dimension];
    for (long h : Ngrams.wordHashes(text)) {
      int b = bucket(h, dimension);
      tf[b]++;
      sign[b] += (h & 1) == 0 ? 1 : -1;
    }
    float[] v = new float[dimension];
    double norm = 0;
    for (int b = 0; b < dimension; b++) {
      if (tf[b] > 0) {
        double w = (1 + Math.log(tf[b])) * idf[b] * Math.signum(sign[b] == 0 ? 1 : sign[b]);
        v[b] = (float) w;
        norm += w * w;
      }
    }
    if (norm > 0) {
      float inv = (float) (1 / Math.sqrt(norm));
      for (int b = 0; b < dimension; b++) {
        v[b] *= inv;
      }
    }
    return v;
  }
}
