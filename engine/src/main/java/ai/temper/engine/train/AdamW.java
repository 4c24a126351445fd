package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** Writes the moments (safetensors, "exp_avg.NAME" / "exp_avg_sq.NAME"). */
  public void save(Path file) {
    NDList list = new NDList();
    for (String name : params.keySet()) {
      NDArray m = expAvg.get(name);
      NDArray v = expAvgSq.get(name);
      m.setName("exp_avg." + name);
      v.setName("exp_avg_sq." + name);
      list.add(m);
      list.add(v);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    } catch (IOException e) {
      throw new TemperException("Cannot write optimizer state " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads moments saved by {@link #save} and the number of steps they belong to. */
  public void load(Path file, long steps) {
    try (InputStream in = Files.newInputStream(file);
        NDManager tmp = Devices.newManager()) {
      NDList list = NDList.decode(tmp, in);
      Map<String, NDArray> byName = new LinkedHashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      for (String name : params.keySet()) {
        copy(byName, "exp_avg." + name, expAvg.get(name), file);
        copy(byName, "exp_avg_sq." + name, expAvgSq.get(name), file);
      }
    } catch (IOException e) {
      throw new TemperException("Cannot read optimizer state " + file + ": " + e.getMessage(), e);
    }
    this.step = steps;
  }

  private static void copy(Map<String, NDArray> saved, String name, NDArray into, Path file) {
    NDArray a = saved.get(name);
    if (a == null || !a.getShape().equals(into.getShape())) {
      throw new TemperException(file + ": optimizer state '" + name + "' is missing or has "
          + "another shape than the model's parameter");
    }
    into.set(a.toFloatArray());
  }

  @Override
  public void close() {
    manager.close();
  }
}
