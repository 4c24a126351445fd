package ai.temper.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.model.DecodeSession;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rows that share a prompt (a GRPO group) are prefilled once and copied, and rows that finish
 * leave the batch: each row still gives the tokens it gives alone with its own seed.
 */
class SharedPrefillTest {
  static LlamaModel model;
  static Llama2cTokenizer tokenizer;

  @BeforeAll
  static void load() {
    Stories260K.assumePresent();
    model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL));
    tokenizer = Llama2cTokenizer.read(Stories260K.TOKENIZER);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void copiedRowsDecodeLikeTheirSource() {
    int[][] prompts = {tokenizer.encode("Once upon a time", true),
        tokenizer.encode("Lily and Ben", true)};
    int t = Math.max(prompts[0].length, prompts[1].length);
    int[][] tokens = new int[2][t];
    boolean[][] real = new boolean[2][t];
    for (int i = 0; i < 2; i++) {
      int pad = t - prompts[i].length;
      System.arraycopy(prompts[i], 0, tokens[i], pad, prompts[i].length);
      for (int j = pad; j < t; j++) {
        real[i][j] = true;
      }
    }
    int[] source = {1, 0, 1};
    try (NDManager nd = Devices.newManager();
        DecodeSession two = model.newSession(2, t + 4);
        DecodeSession three = model.newSession(3, t + 4)) {
      NDArray a = two.prefill(tokens, real, nd, false);
      three.copyRows(two, source);
      NDArray b = DecodeSession.selectRows(a, source, nd);
      assertThat(b.getShape().get(0)).isEqualTo(3);
      for (int step = 0; step < 3; step++) {
        float[] la = a.toFloatArray();
        float[] lb = b.toFloatArray();
        int v = (int) a.getShape().get(1);
        for (int r = 0; r < 3; r++) {
          for (int k = 0; k < v; k++) {
            assertThat(lb[r * v + k]).as("row %d step %d", r, step)
                .isCloseTo(la[source[r] * v + k], org.assertj.core.data.Offset.offset(1e-4f));
          }
        }
        a = two.step(new int[] {400 + step, 300 + step}, nd);
        b = three.step(new int[] {300 + step, 400 + step, 300 + step}, nd);
      }
      assertThat(three.length()).isEqualTo(t + 3);
    }
  }

  @Test
  void groupsAndFinishedRowsGiveTheTokensOfEachRowAlone() {
    // rows 0, 1, 3 share a prompt and 2, 4 another; "." ends rows at different steps, so the
    // batch shrinks while the others go on
    List<String> prompts = List.of("Once upon a time", "Once upon a time", "Lily and Ben",
        "Once upon a time", "Lily and Ben", "Once upon a time", "Once upon a time",
        "Lily and Ben");
    SamplingParams p = SamplingParams.defaults().withMaxNewTokens(48).withSeed(7L)
        .withStopStrings(List.of("."));
    Generator g = new Generator(model, tokenizer);
    List<Generation> batch = g.generate(prompts, p, TokenListener.NONE);
    List<Integer> lengths = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      Generation alone = g.generate(prompts.get(i), p.withSeed(7L + i));
      assertThat(batch.get(i).completionIds()).as("row %d", i)
          .containsExactly(alone.completionIds());
      assertThat(batch.get(i).finishReason()).isEqualTo(alone.finishReason());
      lengths.add(alone.completionIds().length);
    }
    // the rows really end at different steps (else nothing left the batch)
    assertThat(lengths.stream().distinct().count()).isGreaterThan(2);
    assertThat(lengths.stream().mapToInt(Integer::intValue).min().getAsInt()).isLessThan(
        lengths.stream().mapToInt(Integer::intValue).max().getAsInt() - 8);
  }
}
