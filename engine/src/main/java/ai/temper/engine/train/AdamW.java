package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.SafetensorsFile;
import ai.temper.engine.model.hf.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay, written over NDArrays so its
 * moments can be saved beside a checkpoint and a resumed run continues bit for bit. Matches
 * PyTorch's {@code torch.optim.AdamW}: decay {@code p *= 1 - lr * wd}, then the bias-corrected
 * Adam step. Parameters whose names mark them as biases or norm gains are never decayed.
 */
public final class AdamW implements AutoCloseable {
  private final Map<String, NDArray> params;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final NDManager manager;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private long step;

  /** Optimizes {@code params} (name to leaf array with gradients attached). */
  public AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps,
      double weightDecay) {
    this.params = new LinkedHashMap<>(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.manager = Devices.newManager();
    for (var e : params.entrySet()) {
      NDArray m = manager.zeros(e.getValue().getShape(), e.getValue().getDataType());
      NDArray v = manager.zeros(e.getValue().getShape(), e.getValue().getDataType());
      // a caller's scope must not close the moments
      NDScope.unregister(m, v);
      expAvg.put(e.getKey(), m);
      expAvgSq.put(e.getKey(), v);
    }
  }

  public static AdamW of(Map<String, NDArray> params, TrainConfig c) {
    return new AdamW(params, c.adamBeta1(), c.adamBeta2(), c.adamEpsilon(), c.weightDecay());
  }

  /** Biases and RMSNorm gains (HF names: "...bias", "...norm.weight", "...layernorm...") . */
  public static boolean isDecayed(String name) {
    return !(name.endsWith("bias") || name.contains("norm"));
  }

  /** Optimizer steps taken so far. */
  public long steps() {
    return step;
  }

  /**
   * The global L2 norm of all gradients (before clipping); then, when {@code maxNorm > 0} and
   * the norm exceeds it, scales every gradient by {@code maxNorm / (norm + 1e-6)} as
   * {@code torch.nn.utils.clip_grad_norm_} does.
   */
  public double clipGradNorm(double maxNorm) {
    return clipGradNorm(maxNorm, 1);
  }

  /**
   * As {@link #clipGradNorm(double)} for gradients of a loss multiplied by {@code lossScale}
   * (fp16 loss scaling): they are divided by it in the same pass as the clipping, and the norm
   * returned is that of the unscaled gradients. When the gradients hold an inf or NaN (an
   * overflow) they are left as they are and NaN is returned: the caller skips the step.
   */
  public double clipGradNorm(double maxNorm, double lossScale) {
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope()) {
      NDArray total = null;
      for (NDArray p : params.values()) {
        NDArray g = p.getGradient();
        NDArray sq = g.square().sum();
        total = total == null ? sq : total.addi(sq);
      }
      double scaled = total == null ? 0 : Math.sqrt(total.getFloat());
      if (!Double.isFinite(scaled)) {
        return Double.NaN;
      }
      double norm = scaled / lossScale;
      double coef = 1 / lossScale;
      if (maxNorm > 0 && norm > maxNorm) {
        coef *= maxNorm / (norm + 1e-6);
      }
      if (coef != 1) {
        for (NDArray p : params.values()) {
          p.getGradient().muli((float) coef);
        }
      }
      return norm;
    }
  }

  /** One AdamW update of every parameter with its gradient, at learning rate {@code lr}. */
  public void step(double lr) {
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = 1 - Math.pow(beta2, step);
    float stepScaled = (float) (lr / bc1 * Math.sqrt(bc2));
    float epsScaled = (float) (eps * Math.sqrt(bc2));
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope()) {
      for (var e : params.entrySet()) {
        String name = e.getKey();
        NDArray p = e.getValue();
        NDArray g = p.getGradient();
        NDArray m = expAvg.get(name);
        NDArray v = expAvgSq.get(name);
        if (weightDecay > 0 && isDecayed(name)) {
          p.muli((float) (1 - lr * weightDecay));
        }
        m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
        // m / (sqrt(v) / s + eps) = s m / (sqrt(v) + eps s): one pass over v fewer
        NDArray denom = v.sqrt().addi(epsScaled);
        p.subi(m.div(denom).muli(stepScaled));
      }
    }
  }

  /** Every first and second moment (float32 whatever the compute precision). */
  java.util.List<NDArray> moments() {
    java.util.List<NDArray> out = new java.util.ArrayList<>(expAvg.values());
    out.addAll(expAvgSq.values());
    return out;
  }

  /** Clears every gradient before the next accumulation. */
  public void zeroGrad() {
    for (NDArray p : params.values()) {
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  /**
   * Writes the moments as float32 safetensors ("exp_avg.NAME" / "exp_avg_sq.NAME") with the
   * writer the model weights use. Checkpoints written before through DJL's NDList encoding
   * are safetensors files too, and {@link #load} reads both with the one reader.
   */
  public void save(Path file) {
    Map<String, Tensor> moments = new LinkedHashMap<>();
    for (String name : params.keySet()) {
      moments.put("exp_avg." + name, tensor(expAvg.get(name)));
      moments.put("exp_avg_sq." + name, tensor(expAvgSq.get(name)));
    }
    SafetensorsWriter.write(file, moments, DType.F32); // its errors name the file
  }

  /** Reads moments saved by {@link #save} and the number of steps they belong to. */
  public void load(Path file, long steps) {
    Map<String, Tensor> saved = SafetensorsFile.readAll(file); // its errors name the file
    for (String name : params.keySet()) {
      copy(saved, "exp_avg." + name, expAvg.get(name), file);
      copy(saved, "exp_avg_sq." + name, expAvgSq.get(name), file);
    }
    this.step = steps;
  }

  private static Tensor tensor(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
  }

  private static void copy(Map<String, Tensor> saved, String name, NDArray into, Path file) {
    Tensor t = saved.get(name);
    if (t == null || !Arrays.equals(t.shape(), into.getShape().getShape())) {
      throw new TemperException(file + ": optimizer state '" + name + "' is missing or has "
          + "another shape than the model's parameter");
    }
    into.set(t.data());
  }

  @Override
  public void close() {
    manager.close();
  }
}
