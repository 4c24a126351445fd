package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Mean-pooled hidden states of the real stories260K model as retrieval embeddings. */
class ModelEmbedderTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");

  @Test
  void batchedEmbeddingsEqualSingleOnesAndEachTextIsItsOwnNearestNeighbour() {
    Assumptions.assumeTrue(Files.exists(MODEL), "../shared/models/stories260K is absent");
    List<String> texts = List.of(
        "Lily and Ben went to the park to play on the swings.",
        "The cat sat on the mat.",
        "Tom had a big red ball and he liked to kick it very high into the sky.",
        "Mom baked a cake for the birthday party.");
    try (ModelEmbedder e = ModelEmbedder.open(MODEL, null, 256)) {
      assertThat(e.dimension()).isEqualTo(64);
      List<float[]> batch = e.embedAll(texts);
      for (int i = 0; i < texts.size(); i++) {
        float[] alone = e.embed(texts.get(i));
        for (int j = 0; j < alone.length; j++) {
          assertThat(batch.get(i)[j]).isCloseTo(alone[j], within(1e-4f));
        }
      }
      for (int i = 0; i < texts.size(); i++) {
        int best = -1;
        double bestSim = -2;
        for (int j = 0; j < texts.size(); j++) {
          double s = cosine(batch.get(i), batch.get(j));
          if (s > bestSim) {
            bestSim = s;
            best = j;
          }
        }
        assertThat(best).isEqualTo(i);
      }
      // different texts give different vectors
      assertThat(cosine(batch.get(0), batch.get(1))).isLessThan(0.9999);
    }
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
