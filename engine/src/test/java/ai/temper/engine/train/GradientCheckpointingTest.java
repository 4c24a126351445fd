package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.djl.ndarray.types.DataType;
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
 * gradient_checkpointing recomputes each layer in the backward pass, and a frozen output head
 * (LoRA) is streamed outside autograd with or without it: the loss and gradients must be those
 * of the ordinary backward pass through every layer and the head, for LoRA adapters and for
 * every weight in full training.
 */
class GradientCheckpointingTest {
  private static final LlamaConfig TINY = LlamaConfig.llama(48, 32, 64, 3, 4, 2, 32, true);
  private static final Supplier<LlamaModel> RANDOM = () -> LlamaModel.random(TINY, 5);

  @TempDir
  Path dir;

  /** How a step computes the loss and its gradients. */
  private enum Pass {
    /** Layers and output head all recorded by autograd: the reference. */
    AUTOGRAD,
    /** The default: recorded layers, a frozen head streamed outside autograd. */
    DEFAULT,
    /** gradient_checkpointing. */
    CHECKPOINTED
  }

  @Test
  void loraGradientsAndLossEqualThoseOfPlainAutograd() {
    Map<String, float[]> reference = gradients(RANDOM, true, Pass.AUTOGRAD);
    assertSame(reference, gradients(RANDOM, true, Pass.DEFAULT));
    assertSame(reference, gradients(RANDOM, true, Pass.CHECKPOINTED));
    // A and B of seven modules in three layers, and the loss
    assertThat(reference).hasSize(3 * 7 * 2 + 1);
  }

  @Test
  void theOutputHeadInBlocksGivesTheSameGradients() {
    Map<String, float[]> reference = gradients(RANDOM, true, Pass.AUTOGRAD);
    TrainFixtures.withHeadBlockBytes(5 * 48 * 4, () -> { // blocks of 5 rows
      assertSame(reference, gradients(RANDOM, true, Pass.DEFAULT));
      assertSame(reference, gradients(RANDOM, true, Pass.CHECKPOINTED));
    });
  }

  @Test
  void fullTrainingGradientsEqualThoseWithoutCheckpointing() {
    Map<String, float[]> plain = gradients(RANDOM, false, Pass.DEFAULT);
    assertSame(plain, gradients(RANDOM, false, Pass.AUTOGRAD)); // a trained head: recorded
    assertSame(plain, gradients(RANDOM, false, Pass.CHECKPOINTED));
    assertThat(plain).containsKey("model.embed_tokens.weight"); // reached through layer 0
  }

  @Test
  void loraGradientsOfABfloat16SoftCappedModelEqualThoseOfPlainAutograd() {
    // Gemma 2: weights kept as float16, the frozen head streamed over blocks of its rows (the
    // hidden states' gradient formed without autograd), logits soft-capped
    var config = Families.gemma2().config().deepCopy().put("torch_dtype", "bfloat16");
    Families.writeFolder(dir, config, 7, DType.BF16);
    Supplier<LlamaModel> load = () -> LlamaModel.create(HfCheckpoint.read(dir));
    try (LlamaModel m = load.get()) {
      assertThat(m.parameter("model.embed_tokens.weight").getDataType())
          .isEqualTo(DataType.FLOAT16);
      assertThat(m.config().variant().finalSoftcap()).isPositive();
    }
    Map<String, float[]> reference = gradients(load, true, Pass.AUTOGRAD);
    TrainFixtures.withHeadBlockBytes(25 * 4 * 100, () -> { // blocks of 100 rows
      assertSame(reference, gradients(load, true, Pass.DEFAULT));
      assertSame(reference, gradients(load, true, Pass.CHECKPOINTED));
    });
  }

  /**
   * What a checkpointed step leaves in its manager once the backward pass is over, and on the
   * model's: the same whatever the number of layers or head blocks (each layer's input and
   * gradients, each block's logits are freed as the pass goes, not when the step ends).
   */
  @Test
  void aCheckpointedStepKeepsNoArraysPerLayerOrHeadBlock() {
    for (boolean lora : new boolean[] {true, false}) {
      int[] two = liveAfterStep(lora, 2, 1 << 30);
      assertThat(two[1]).as("left on the model's manager").isZero();
      assertThat(liveAfterStep(lora, 5, 1 << 30)).as("5 layers, lora " + lora).isEqualTo(two);
      assertThat(liveAfterStep(lora, 2, 2 * 48 * 4)).as("head blocks of 2 rows, lora " + lora)
          .isEqualTo(two);
    }
  }

  /**
   * Evaluation (nothing recorded): log-probs from the streamed head equal those of the whole
   * logits' log-softmax, for a float32 model and a float16 soft-capped Gemma 2, and what the
   * forward leaves in its manager does not grow with the layers.
   */
  @Test
  void anEvaluationForwardStreamsTheHeadAndKeepsNoArraysPerLayer() {
    var config = Families.gemma2().config().deepCopy().put("torch_dtype", "bfloat16");
    Families.writeFolder(dir, config, 7, DType.BF16);
    List<Supplier<LlamaModel>> models = List.of(RANDOM,
        () -> LlamaModel.create(HfCheckpoint.read(dir)));
    for (Supplier<LlamaModel> model : models) {
      try (NoGrad ng = NoGrad.enter(); LlamaModel m = model.get();
          NDManager nd = Devices.newManager()) {
        Random r = new Random(4);
        int[] ids = new int[14];
        for (int j = 0; j < ids.length; j++) {
          ids[j] = r.nextInt(m.config().vocabSize());
        }
        Batch b = Batch.of(nd, List.of(TokenSequence.allTrained(ids)), 0);
        float[] streamed = Losses.targetLogProbs(m, b, nd).toFloatArray();
        NDArray picked = Losses.targetHidden(m.hiddenStates(b.inputIds(), null), b, nd);
        NDArray labels = nd.create(b.targetLabels()).reshape(b.targetPositions().length, 1);
        float[] whole = m.logits(picked).logSoftmax(-1).gather(labels, 1).squeeze(1)
            .toFloatArray();
        assertThat(streamed).hasSize(ids.length - 1);
        for (int i = 0; i < whole.length; i++) {
          assertThat(streamed[i]).as(m.config().variant() + " target " + i)
              .isCloseTo(whole[i], org.assertj.core.data.Offset.offset(2e-4f));
        }
      }
    }
    assertThat(liveAfterEvaluation(5)).isEqualTo(liveAfterEvaluation(2));
  }

  private static int liveAfterEvaluation(int layers) {
    LlamaConfig c = LlamaConfig.llama(48, 32, 64, layers, 4, 2, 32, true);
    try (NoGrad ng = NoGrad.enter(); LlamaModel m = LlamaModel.random(c, 5);
        NDManager nd = Devices.newManager()) {
      Batch b = Batch.of(nd, List.of(TokenSequence.allTrained(
          new int[] {3, 9, 4, 17, 8, 30, 2, 11, 5, 40, 7, 1})), 0);
      int weights = m.manager().getManagedArrays().size();
      try (NDScope scope = new NDScope()) {
        Losses.targetLogProbs(m, b, nd);
        return nd.getManagedArrays().size() + m.manager().getManagedArrays().size() - weights;
      }
    }
  }

  /** Arrays alive in the step's manager, and added to the model's, after a checkpointed step. */
  private static int[] liveAfterStep(boolean lora, int layers, int headBlockBytes) {
    LlamaConfig c = LlamaConfig.llama(48, 32, 64, layers, 4, 2, 32, true);
    System.setProperty("temper.headBlockBytes", "" + headBlockBytes);
    try (NoGrad ng = NoGrad.enter();
        TrainableModel tm = new TrainableModel(LlamaModel.random(c, 5))) {
      if (lora) {
        tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
      }
      tm.model().setGradientCheckpointing(true);
      LanguageModeling objective = new LanguageModeling(tm, List.of(
          TokenSequence.allTrained(new int[] {3, 9, 4, 17, 8, 30, 2, 11, 5, 40, 7, 1})),
          List.of(), 0);
      tm.setTraining(true);
      int before = tm.model().manager().getManagedArrays().size();
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(objective.loss(new int[] {0}, nd, new MetricSums()));
        LlamaModel.backwardCheckpointed(gc);
        return new int[] {nd.getManagedArrays().size(),
            tm.model().manager().getManagedArrays().size() - before};
      }
    } finally {
      System.clearProperty("temper.headBlockBytes");
    }
  }

  /**
   * The gradients of one SFT loss on a fixed batch, by trainable array name, and the loss
   * under "loss".
   */
  private static Map<String, float[]> gradients(Supplier<LlamaModel> model, boolean lora,
      Pass pass) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NoGrad ng = NoGrad.enter(); TrainableModel tm = new TrainableModel(model.get())) {
      int vocab = tm.model().config().vocabSize();
      if (lora) {
        tm.addLora(TrainConfig.LORA_MODULES, 4, 8, 0.0, 3);
        TrainFixtures.randomLoraB(tm); // B starts at zero: A would get no gradient
      }
      tm.model().setGradientCheckpointing(pass == Pass.CHECKPOINTED);
      assertThat(tm.model().streamsOutputHead()).as("streams the head")
          .isEqualTo(pass == Pass.CHECKPOINTED || lora);
      Random r = new Random(11);
      List<TokenSequence> seqs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int[] ids = new int[12 + 3 * i];
        for (int j = 0; j < ids.length; j++) {
          ids[j] = r.nextInt(vocab);
        }
        seqs.add(TokenSequence.allTrained(ids));
      }
      LanguageModeling objective = new LanguageModeling(tm, seqs, List.of(), 0);
      tm.setTraining(true);
      try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss;
        if (pass == Pass.AUTOGRAD) {
          // Losses.targetLogProbs as it was: the head's logits recorded whole
          Batch b = Batch.of(nd, seqs, 0);
          NDArray picked = Losses.targetHidden(tm.model().hiddenStates(b.inputIds(), null), b, nd);
          NDArray labels = nd.create(b.targetLabels()).reshape(b.targetPositions().length, 1);
          loss = tm.model().logits(picked).logSoftmax(-1).gather(labels, 1).squeeze(1).mean()
              .neg();
        } else {
          loss = objective.loss(new int[] {0, 1}, nd, new MetricSums());
        }
        out.put("loss", new float[] {loss.getFloat()});
        gc.backward(loss);
        LlamaModel.backwardCheckpointed(gc);
        for (var e : tm.trainable().entrySet()) {
          out.put(e.getKey(), e.getValue().getGradient().toFloatArray());
        }
      }
    }
    return out;
  }

  private static void assertSame(Map<String, float[]> plain, Map<String, float[]> other) {
    TrainFixtures.assertSameArrays(plain, other, Map.of());
  }
}
