package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.families.Families;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO's policy log-probs with a frozen output head (LoRA) streamed over blocks of vocabulary
 * rows, with and without gradient_checkpointing: the clipped loss, every adapter's gradient
 * and the entropy metric equal those of plain autograd through the whole (tokens, vocab)
 * log-softmax; the no-grad passes (old and reference log-probs) give the recorded pass's
 * values to the bit, so the first step's ratio is 1 and its KL 0; and an update leaves no
 * arrays per layer or head block.
 */
class RlStreamedHeadTest {
  private static final LlamaConfig TINY = LlamaConfig.llama(48, 32, 64, 3, 4, 2, 32, true);
  private static final Supplier<LlamaModel> RANDOM = () -> LlamaModel.random(TINY, 5);
  private static final String BLOCK = "temper.headBlockBytes";

  @TempDir
  Path dir;

  /** Three prompt + completion rows of random tokens; only completions are targets. */
  private static List<TokenSequence> rows(int vocab) {
    Random r = new Random(11);
    List<TokenSequence> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int prompt = 4 + i;
      int[] ids = new int[prompt + 6 + 2 * i];
      boolean[] trained = new boolean[ids.length];
      for (int j = 0; j < ids.length; j++) {
        ids[j] = r.nextInt(vocab);
        trained[j] = j >= prompt;
      }
      out.add(new TokenSequence(ids, trained));
    }
    return out;
  }

  /** The number of completion tokens of {@link #rows}. */
  private static final int TARGETS = 6 + 8 + 10;

  /**
   * Old and reference log-probs and advantages for {@link #rows}: fixed numbers near the
   * policy's own, so that some ratios leave the clip range and the KL term is not zero.
   */
  private static float[][] rollout() {
    Random r = new Random(23);
    float[] old = new float[TARGETS];
    float[] ref = new float[TARGETS];
    float[] adv = new float[TARGETS];
    for (int k = 0; k < TARGETS; k++) {
      old[k] = (float) (-4 + 0.4 * r.nextGaussian());
      ref[k] = (float) (-4 + 0.4 * r.nextGaussian());
      adv[k] = (float) r.nextGaussian();
    }
    return new float[][] {old, ref, adv};
  }

  @Test
  void loraGrpoGradientsAndLossEqualThoseOfPlainAutograd() {
    float[][] ro = rollout();
    Map<String, float[]> reference = update(RANDOM, true, false, RlForward.Head.WHOLE, ro);
    assertThat(reference).hasSize(3 * 7 * 2 + 2); // A and B of 7 modules x 3 layers, loss, H
    assertSame(reference, update(RANDOM, true, false, null, ro));
    assertSame(reference, update(RANDOM, true, true, null, ro));
    TrainFixtures.withHeadBlockBytes(5 * 4 * TARGETS, () -> { // blocks of 5 vocabulary rows
      assertSame(reference, update(RANDOM, true, false, null, ro));
      assertSame(reference, update(RANDOM, true, true, null, ro));
    });
  }

  @Test
  void softCappedBfloat16GemmaGivesTheSameGradientsAndEntropy() {
    // Gemma 2: weights kept as float16, the head streamed, logits soft-capped (the entropy is
    // that of the capped logits' softmax)
    var config = Families.gemma2().config().deepCopy().put("torch_dtype", "bfloat16");
    Families.writeFolder(dir, config, 7, DType.BF16);
    Supplier<LlamaModel> load = () -> LlamaModel.create(HfCheckpoint.read(dir));
    float[][] ro = rollout();
    Map<String, float[]> reference = update(load, true, false, RlForward.Head.WHOLE, ro);
    TrainFixtures.withHeadBlockBytes(100 * 4 * TARGETS, () -> { // blocks of 100 vocabulary rows
      assertSame(reference, update(load, true, false, null, ro));
      assertSame(reference, update(load, true, true, null, ro));
    });
  }

  @Test
  void fullTrainingWithCheckpointingGivesTheSameGradients() {
    float[][] ro = rollout();
    Map<String, float[]> reference = update(RANDOM, false, false, null, ro);
    TrainFixtures.withHeadBlockBytes(5 * 48 * 4, () -> { // the trained head in blocks of 5 target rows
      assertSame(reference, update(RANDOM, false, true, null, ro));
    });
  }

  /**
   * Outside recording (old and reference log-probs), the streamed head's log-probs and
   * entropies equal those of the whole log-softmax, float32 and soft-capped float16 alike, in
   * one block or many.
   */
  @Test
  void theStreamedEntropyEqualsTheWholeSoftmaxEntropy() {
    var config = Families.gemma2().config().deepCopy().put("torch_dtype", "bfloat16");
    Families.writeFolder(dir, config, 7, DType.BF16);
    List<Supplier<LlamaModel>> models = List.of(RANDOM,
        () -> LlamaModel.create(HfCheckpoint.read(dir)));
    for (String block : new String[] {null, "" + 7 * 4 * TARGETS}) {
      for (Supplier<LlamaModel> model : models) {
        if (block != null) {
          System.setProperty(BLOCK, block);
        }
        try (NoGrad ng = NoGrad.enter(); LlamaModel m = model.get();
            NDManager nd = Devices.newManager()) {
          Batch b = Batch.of(nd, rows(m.config().vocabSize()), 0);
          NDArray[] whole = RlForward.logProbs(m, b, nd, true, RlForward.Head.WHOLE);
          NDArray[] streamed = RlForward.logProbs(m, b, nd, true, RlForward.Head.STREAMED);
          float[] h = whole[1].toFloatArray();
          float[] hs = streamed[1].toFloatArray();
          float[] lp = whole[0].toFloatArray();
          float[] lps = streamed[0].toFloatArray();
          assertThat(hs).hasSize(TARGETS);
          for (int k = 0; k < TARGETS; k++) {
            String at = m.config().variant() + " block " + block + " target " + k;
            assertThat(hs[k]).as(at).isCloseTo(h[k], within(2e-4f));
            assertThat(lps[k]).as(at).isCloseTo(lp[k], within(2e-4f));
            assertThat(h[k]).as("entropy at " + at).isPositive()
                .isLessThanOrEqualTo((float) Math.log(m.config().vocabSize()) + 1e-4f);
          }
        } finally {
          System.clearProperty(BLOCK);
        }
      }
    }
  }

  /**
   * At the first step the policy is the rollout policy and the reference (LoRA's B starts at
   * zero): the recorded pass's log-probs equal the old ones and the reference's to the bit,
   * so the ratio is exactly 1 and every KL estimate exactly 0, with or without checkpointing
   * and however many head blocks.
   */
  @Test
  void atTheFirstStepOldReferenceAndRecordedLogProbsAreEqual() {
    for (boolean checkpointing : new boolean[] {false, true}) {
      for (String block : new String[] {null, "" + 5 * 4 * TARGETS}) {
        if (block != null) {
          System.setProperty(BLOCK, block);
        }
        try (NoGrad ng = NoGrad.enter(); TrainableModel tm = new TrainableModel(RANDOM.get());
            LlamaModel reference = RANDOM.get()) {
          tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
          tm.model().setGradientCheckpointing(checkpointing);
          tm.setTraining(true);
          RlForward.Head head = RlForward.head(tm.model());
          assertThat(head).isEqualTo(RlForward.Head.STREAMED);
          try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager()) {
            Batch b = Batch.of(nd, rows(TINY.vocabSize()), 0);
            float[] old = RlForward.logProbs(tm.model(), b, nd, false, head)[0].toFloatArray();
            float[] ref = RlForward.logProbs(reference, b, nd, false, head)[0].toFloatArray();
            float[] now;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray lp = RlForward.logProbs(tm.model(), b, nd, true, head)[0];
              now = lp.toFloatArray();
              gc.backward(lp.sum());
              LlamaModel.backwardCheckpointed(gc);
            } finally {
              LlamaModel.clearCheckpointed();
            }
            String as = "checkpointing " + checkpointing + ", block " + block;
            assertThat(now).as(as).containsExactly(old);
            assertThat(ref).as(as).containsExactly(old);
          }
        } finally {
          System.clearProperty(BLOCK);
        }
      }
    }
  }

  /**
   * What a checkpointed GRPO update leaves in its manager and the model's after the backward
   * pass does not grow with the layers or the head's blocks.
   */
  @Test
  void anUpdateKeepsNoArraysPerLayerOrHeadBlock() {
    int[] two = liveAfterUpdate(2, 1 << 30);
    assertThat(two[1]).as("left on the model's manager").isZero();
    assertThat(liveAfterUpdate(5, 1 << 30)).as("5 layers").isEqualTo(two);
    assertThat(liveAfterUpdate(2, 3 * 4 * TARGETS)).as("head blocks of 3 rows").isEqualTo(two);
  }

  private static int[] liveAfterUpdate(int layers, int headBlockBytes) {
    LlamaConfig c = LlamaConfig.llama(48, 32, 64, layers, 4, 2, 32, true);
    float[][] ro = rollout();
    System.setProperty(BLOCK, "" + headBlockBytes);
    try (NoGrad ng = NoGrad.enter();
        TrainableModel tm = new TrainableModel(LlamaModel.random(c, 5))) {
      tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
      tm.model().setGradientCheckpointing(true);
      tm.setTraining(true);
      int before = tm.model().manager().getManagedArrays().size();
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(grpoLoss(tm, nd, RlForward.head(tm.model()), ro, null));
        LlamaModel.backwardCheckpointed(gc);
        return new int[] {nd.getManagedArrays().size(),
            tm.model().manager().getManagedArrays().size() - before};
      } finally {
        LlamaModel.clearCheckpointed();
      }
    } finally {
      System.clearProperty(BLOCK);
    }
  }

  /**
   * RlTrainer's micro-batch loss on {@link #rows}: the clipped policy loss plus beta KL (kl3)
   * per token, summed and divided by the mini-batch's tokens. Puts the entropy into
   * {@code out} when given.
   */
  private static NDArray grpoLoss(TrainableModel tm, NDManager nd, RlForward.Head head,
      float[][] ro, Map<String, float[]> out) {
    Batch b = Batch.of(nd, rows(tm.config().vocabSize()), 0);
    NDArray[] lp = RlForward.logProbs(tm.model(), b, nd, out != null, head);
    RlMath.TokenLoss tl = RlMath.tokenLoss(lp[0], nd.create(ro[0]), nd.create(ro[1]),
        nd.create(ro[2]), 0.2, 0.28, 0.05, "kl3");
    if (out != null) {
      out.put("entropy", lp[1].toFloatArray());
    }
    return tl.loss().sum().div(Losses.scalar(lp[0], TARGETS));
  }

  /**
   * The loss, entropy and gradients of one GRPO micro-batch, by trainable array name;
   * {@code force} picks the head's path (null: the policy's own).
   */
  private static Map<String, float[]> update(Supplier<LlamaModel> model, boolean lora,
      boolean checkpointing, RlForward.Head force, float[][] ro) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NoGrad ng = NoGrad.enter(); TrainableModel tm = new TrainableModel(model.get())) {
      if (lora) {
        tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
        TrainFixtures.randomLoraB(tm); // B starts at zero: A would get no gradient
      }
      tm.model().setGradientCheckpointing(checkpointing);
      tm.setTraining(true);
      RlForward.Head head = force != null ? force : RlForward.head(tm.model());
      if (force == null) {
        assertThat(head).isEqualTo(lora ? RlForward.Head.STREAMED
            : checkpointing ? RlForward.Head.ROW_BLOCKS : RlForward.Head.WHOLE);
      }
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = grpoLoss(tm, nd, head, ro, out);
        out.put("loss", new float[] {loss.getFloat()});
        gc.backward(loss);
        LlamaModel.backwardCheckpointed(gc);
        for (var e : tm.trainable().entrySet()) {
          out.put(e.getKey(), e.getValue().getGradient().toFloatArray());
        }
      } finally {
        LlamaModel.clearCheckpointed();
      }
    }
    return out;
  }


  private static void assertSame(Map<String, float[]> plain, Map<String, float[]> other) {
    TrainFixtures.assertSameArrays(plain, other, Map.of("entropy", 2e-4));
  }
}
