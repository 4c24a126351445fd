package ai.temper.engine.train;

import ai.temper.engine.NoGrad;
import ai.temper.engine.Precision;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Training speed of the real step (forward, masked cross-entropy, backward, clipping, AdamW)
 * on random token batches: median step time after warm-up, tokens/s, and achieved FLOP/s.
 *
 * <p>Work per token, the usual estimate: 6N for full training (forward 2N, backward 4N) plus
 * attention 12 L d T (PaLM's count, not halved for the causal mask); with LoRA the frozen
 * weights need no weight gradients, so 4N + 6 N_adapters + 12 L d T.
 */
public final class TrainBenchmark {
  /** One measured configuration. */
  public record Result(String model, String mode, long parameters, long trained, int batch,
      int length, double medianMs, double tokensPerSecond, double gflopsPerSecond) {}

  private int warmup = 2;
  private int steps = 5;
  private int loraRank = 8;
  private Precision precision = Precision.FP32;

  /** The compute precision of the measured steps (fp16 with its loss scaler). */
  public TrainBenchmark precision(Precision p) {
    this.precision = p;
    return this;
  }

  public TrainBenchmark warmup(int n) {
    this.warmup = n;
    return this;
  }

  public TrainBenchmark steps(int n) {
    this.steps = n;
    return this;
  }

  public TrainBenchmark loraRank(int r) {
    this.loraRank = r;
    return this;
  }

  /** The stories15M shape: dim 288, 6 layers, 6 heads, vocab 32000 (tied, as llama2.c's). */
  public static LlamaConfig stories15MShape() {
    return LlamaConfig.llama(32000, 288, 768, 6, 6, 6, 1024, true);
  }

  /**
   * Measures SFT steps on {@code model} (taken over: closed at the end) with batches of
   * {@code batch} x {@code length} random tokens, all of them targets.
   */
  public Result run(String name, LlamaModel model, boolean lora, int batch, int length) {
    LlamaConfig c = model.config();
    try (NoGrad ng = NoGrad.enter(); TrainableModel tm = new TrainableModel(model)) {
      model.setComputeType(precision.computeType());
      LossScaler scaler = precision.scalesLoss() ? new LossScaler() : null;
      if (lora) {
        tm.addLora(TrainConfig.LORA_MODULES, loraRank, 2.0 * loraRank, 0.0, 1);
      }
      Random r = new Random(7);
      List<TokenSequence> seqs = new ArrayList<>();
      for (int i = 0; i < batch * (warmup + steps); i++) {
        int[] ids = new int[length];
        for (int j = 0; j < length; j++) {
          ids[j] = r.nextInt(c.vocabSize());
        }
        seqs.add(TokenSequence.allTrained(ids));
      }
      LanguageModeling objective = new LanguageModeling(tm, seqs, List.of(), 0);
      tm.setTraining(true);
      long trained = 0;
      for (var a : tm.trainable().values()) {
        trained += a.getShape().size();
      }
      double[] ms = new double[steps];
      try (AdamW opt = new AdamW(tm.trainable(), 0.9, 0.999, 1e-8, 0.0)) {
        for (int s = 0; s < warmup + steps; s++) {
          int[] items = new int[batch];
          for (int i = 0; i < batch; i++) {
            items[i] = s * batch + i;
          }
          long t0 = System.nanoTime();
          Trainer.step(objective, opt, List.of(items), 1e-4, 1.0, s + 1, scaler);
          if (s >= warmup) {
            ms[s - warmup] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      Arrays.sort(ms);
      double median = ms.length % 2 == 1 ? ms[ms.length / 2]
          : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
      long n = c.parameterCount();
      double attention = 12.0 * c.numHiddenLayers() * c.queryDim() * length;
      double perToken = lora ? 4.0 * n + 6.0 * trained + attention : 6.0 * n + attention;
      double tokens = (double) batch * length;
      return new Result(name, (lora ? "lora r" + loraRank : "full") + " " + precision.id(), n,
          trained, batch, length,
          median, tokens / (median / 1e3), perToken * tokens / (median / 1e3) / 1e9);
    }
  }
}
