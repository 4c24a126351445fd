package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.Precision;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed-precision training on the device the suite runs on (passed explicitly, never assumed):
 * float16 products with float32 master weights, gradients and AdamW moments, dynamic loss
 * scaling; bfloat16 refused with a message instead of DJL's abort.
 */
class MixedPrecisionTest {
  private static final LlamaConfig TINY = LlamaConfig.llama(64, 32, 64, 2, 4, 2, 64, false);
  private static final int STEPS = 6;

  @BeforeAll
  static void oneThread() {
    TrainFixtures.oneThread();
  }

  @AfterEach
  void reset() {
    Precision.select(null);
  }

  /** Learnable sequences: arithmetic progressions mod the vocabulary. */
  private static List<TokenSequence> data(int n, int length) {
    Random r = new Random(3);
    List<TokenSequence> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int a = r.nextInt(TINY.vocabSize());
      int b = 1 + r.nextInt(3);
      int[] ids = new int[length];
      for (int j = 0; j < length; j++) {
        ids[j] = (a + j * b) % TINY.vocabSize();
      }
      out.add(TokenSequence.allTrained(ids));
    }
    return out;
  }

  /** SFT steps of the same random model in {@code precision}; the losses, checked as they go. */
  private static double[] train(Precision precision, LossScaler scaler) {
    double[] losses = new double[STEPS];
    try (NoGrad ng = NoGrad.enter();
        TrainableModel tm = new TrainableModel(LlamaModel.random(TINY, 11))) {
      tm.model().setComputeType(precision.computeType());
      LanguageModeling lm = new LanguageModeling(tm, data(8 * STEPS, 24), List.of(), 0);
      tm.setTraining(true);
      try (AdamW opt = new AdamW(tm.trainable(), 0.9, 0.999, 1e-8, 0.0)) {
        for (int s = 0; s < STEPS; s++) {
          int[] items = new int[8];
          for (int i = 0; i < 8; i++) {
            items[i] = (s * 8 + i) % (8 * STEPS);
          }
          Map<String, Double> m = Trainer.step(lm, opt, List.of(items), 1e-2, 1.0, s + 1,
              scaler);
          losses[s] = m.get("loss");
          // master weights, their gradients and the optimizer state stay float32
          for (NDArray p : tm.trainable().values()) {
            assertThat(p.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(p.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
          }
          assertThat(opt.moments()).allSatisfy(
              a -> assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32));
        }
        assertThat(opt.steps()).isEqualTo(STEPS);
      }
    }
    return losses;
  }

  @Test
  void fp16StepsTrackTheFloat32LossesWithFloat32MasterWeights() {
    double[] fp32 = train(Precision.FP32, null);
    LossScaler scaler = new LossScaler();
    double[] fp16 = train(Precision.FP16, scaler);
    System.out.println("fp32 " + java.util.Arrays.toString(fp32));
    System.out.println("fp16 " + java.util.Arrays.toString(fp16));
    // the products really ran in float16 (the losses differ) ...
    assertThat(fp16[0]).isNotEqualTo(fp32[0]);
    // ... and the run follows the float32 one: same start, same descent
    for (int s = 0; s < STEPS; s++) {
      assertThat(Math.abs(fp16[s] - fp32[s])).as("step %d", s + 1)
          .isLessThan(0.01 * fp32[s]);
    }
    assertThat(fp32[STEPS - 1]).isLessThan(fp32[0] - 0.3);
    assertThat(scaler.skipped()).isZero();
    assertThat(scaler.scale()).isEqualTo(LossScaler.INIT_SCALE);
  }

  @Test
  void anOverflowSkipsTheUpdateAndHalvesTheScaleGoodStepsGrowIt() {
    try (NoGrad ng = NoGrad.enter();
        TrainableModel tm = new TrainableModel(LlamaModel.random(TINY, 5))) {
      tm.model().setComputeType(Precision.FP16.computeType());
      LanguageModeling lm = new LanguageModeling(tm, data(8, 16), List.of(), 0);
      tm.setTraining(true);
      // 2^40 times the loss overflows float16 (max 65504) in the backward of the products
      LossScaler scaler = new LossScaler(Math.pow(2, 40), 2);
      try (AdamW opt = new AdamW(tm.trainable(), 0.9, 0.999, 1e-8, 0.0)) {
        Map<String, float[]> before = values(tm);
        Map<String, Double> m = Trainer.step(lm, opt, List.of(new int[] {0, 1, 2, 3}), 1e-2,
            1.0, 1, scaler);
        assertThat(m.get("skipped_step")).isEqualTo(1.0);
        assertThat(m.get("loss_scale")).isEqualTo(Math.pow(2, 40));
        assertThat(m.get("grad_norm")).isNaN();
        assertThat(scaler.scale()).isEqualTo(Math.pow(2, 39));
        assertThat(opt.steps()).isZero();
        assertThat(values(tm)).usingRecursiveComparison().isEqualTo(before);
        // a scale float16 can carry: the step is taken; two in a row double the scale
        scaler.restore(1024, 0);
        for (int s = 2; s <= 3; s++) {
          m = Trainer.step(lm, opt, List.of(new int[] {4, 5, 6, 7}), 1e-2, 1.0, s, scaler);
          assertThat(m.get("skipped_step")).isZero();
          assertThat(m.get("grad_norm")).isFinite();
        }
        assertThat(opt.steps()).isEqualTo(2);
        assertThat(scaler.scale()).isEqualTo(2048.0);
        assertThat(scaler.skipped()).isEqualTo(1);
        assertThat(values(tm)).usingRecursiveComparison().isNotEqualTo(before);
      }
    }
  }

  private static Map<String, float[]> values(TrainableModel tm) {
    Map<String, float[]> out = new LinkedHashMap<>();
    tm.trainable().forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  @Test
  void precisionFollowsTheCommandLineThenTheConfigThenTheDevice() {
    var device = Devices.current();
    Precision auto = Precision.auto(device);
    // auto: exact float32 off CUDA; float16 on a CUDA GPU with tensor cores
    assertThat(auto).isIn(Precision.FP32, Precision.FP16);
    if (!device.isGpu()) {
      assertThat(auto).isEqualTo(Precision.FP32);
    }
    assertThat(Precision.forTraining(false, false, device)).isEqualTo(auto);
    assertThat(Precision.forTraining(false, true, device)).isEqualTo(Precision.FP16);
    // a config's bf16 computes in auto's pick, and says so
    assertThat(Precision.forTraining(true, false, device)).isEqualTo(auto);
    assertThat(Precision.bf16Note(true, auto)).contains("bfloat16").contains(auto.id());
    Precision.select("fp32");
    assertThat(Precision.forTraining(false, true, device)).isEqualTo(Precision.FP32);
    Precision.select("fp16");
    assertThat(Precision.forTraining(false, false, device)).isEqualTo(Precision.FP16);
    // bf16 asked for on the command line: a message, not DJL's abort of the JVM
    Precision.select("bf16");
    assertThatThrownBy(() -> Precision.forTraining(false, false, device))
        .isInstanceOf(TemperException.class).hasMessageContaining("--precision bf16")
        .hasMessageContaining("fp16");
    assertThatThrownBy(() -> Precision.select("fp8")).isInstanceOf(TemperException.class)
        .hasMessage("--precision 'fp8': expected auto, fp32, fp16 or bf16");
  }

  @Test
  void anFp16SftRunOnStories260KTrainsAndCheckpointsItsScale(@TempDir Path home) {
    TrainFixtures.assumeStories();
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.SFT, "fp16=true",
          "dataset_mixer_list=" + TrainFixtures.CHAT + ",1.0", "learning_rate=3e-3",
          "max_train_steps=4", "per_device_train_batch_size=4", "warmup_ratio=0",
          "eval_steps=0", "save_steps=0", "max_seq_length=64", "eval_fraction=0.02");
      TrainResult r = TrainFixtures.run(wb, c);
      List<Double> loss = TrainFixtures.series(wb, r.runId(), "loss");
      assertThat(loss).hasSize(4);
      assertThat(loss.get(3)).isLessThan(loss.get(0));
      assertThat(TrainFixtures.series(wb, r.runId(), "loss_scale")).hasSize(4);
      var state = CheckpointIO.readState(r.checkpoint());
      assertThat(state.get("precision").asText()).isEqualTo("fp16");
      assertThat(state.get("loss_scale").asDouble()).isPositive();
      // the saved weights are the float32 masters
      assertThat(r.checkpoint().resolve("model.safetensors")).exists();
    }
  }

  @Test
  void configFieldsAreTrlsNames() {
    TrainConfig c = TrainConfig.parse("model_name_or_path: m\nfp16: true\n", "c.yaml",
        TrainKind.SFT);
    assertThat(c.fp16()).isTrue();
    assertThat(c.bf16()).isFalse();
    assertThat(c.notes()).isEmpty();
    assertThatThrownBy(() -> TrainConfig.parse("model_name_or_path: m\nbf16: true\nfp16: true\n",
        "c.yaml", TrainKind.SFT)).isInstanceOf(TemperException.class)
        .hasMessage("c.yaml:3: field 'fp16' and bf16 cannot both be true");
    assertThatThrownBy(() -> TrainConfig.parse("model_name_or_path: m\nfp16: true\n", "g.yaml",
        TrainKind.GRPO)).isInstanceOf(TemperException.class)
        .hasMessageContaining("g.yaml:2: field 'fp16'");
  }
}
