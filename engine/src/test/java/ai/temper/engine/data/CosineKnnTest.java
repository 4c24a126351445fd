package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CosineKnnTest {
  @Test
  void cosineKnnReturnsTheMostSimilarFirst() {
    CosineKnn knn = new CosineKnn(List.of(new float[] {1, 0}, new float[] {0, 1},
        new float[] {1, 1}, new float[] {-1, 0}));
    assertThat(knn.nearest(new float[] {2, 0.1f}, 3)).containsExactly(0, 2, 1);
    assertThat(knn.nearest(new float[] {0, 5}, 1)).containsExactly(1);
    assertThat(knn.nearest(new float[] {1, 0}, 10)).hasSize(4);
  }

  @Test
  void tfIdfVectorsAreUnitLengthAndCloserForSharedRareWords() {
    HashedTfIdfEmbedder e = HashedTfIdfEmbedder.fit(List.of("the cat sat", "the dog ran",
        "the bird flew", "a cat and a dog"), 1024);
    float[] cat = e.embed("the cat");
    double norm = 0;
    for (float x : cat) {
      norm += x * x;
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    CosineKnn knn = new CosineKnn(List.of(e.embed("the dog ran"), e.embed("the cat sat"),
        e.embed("the bird flew")));
    assertThat(knn.nearest(cat, 1)).containsExactly(1);
  }
}
