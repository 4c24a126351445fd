package ai.temper.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import org.junit.jupiter.api.Test;

/**
 * After a training step (parameters changed, {@link LlamaModel#refreshInference}) the pooled
 * decoding session keeps its cache and decodes with the rebuilt weights, as a new session does.
 */
class PooledSessionTest {

  private static float[] prefill(DecodeSession s, int[][] tokens) {
    try (NDManager nd = Devices.newManager()) {
      return s.prefill(tokens, null, nd, false).toFloatArray();
    }
  }

  @Test
  void pooledSessionSurvivesARefreshAndDecodesWithTheNewWeights() {
    Stories260K.assumePresent();
    int[][] tokens = {{1, 403, 407, 261}, {1, 365, 301, 448}};
    try (LlamaModel model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL))) {
      DecodeSession pooled = model.pooledSession(2, 16);
      float[] before = prefill(pooled, tokens);

      model.parameter("model.norm.weight").muli(1.5f); // a training step, in effect
      model.refreshInference();
      assertThatThrownBy(() -> prefill(pooled, tokens))
          .isInstanceOf(IllegalStateException.class); // stale until taken again

      DecodeSession again = model.pooledSession(2, 16);
      assertThat(again).isSameAs(pooled);
      float[] after = prefill(again, tokens);
      float[] fresh;
      try (DecodeSession s = model.newSession(2, 16)) {
        fresh = prefill(s, tokens);
      }
      assertThat(after).containsExactly(fresh, org.assertj.core.data.Offset.offset(1e-5f));
      assertThat(after[0]).isNotCloseTo(before[0], org.assertj.core.data.Offset.offset(1e-3f));

      // a step on the reused cache continues from the new prefill
      try (NDManager nd = Devices.newManager();
          DecodeSession s = model.newSession(2, 16)) {
        s.prefill(tokens, null, nd, false);
        float[] a = again.step(new int[] {300, 310}, nd).toFloatArray();
        float[] b = s.step(new int[] {300, 310}, nd).toFloatArray();
        assertThat(a).containsExactly(b, org.assertj.core.data.Offset.offset(1e-5f));
      }

      model.releaseInference(); // frees the cache: the next one is new
      assertThat(model.pooledSession(2, 16)).isNotSameAs(pooled);
    }
  }
}
