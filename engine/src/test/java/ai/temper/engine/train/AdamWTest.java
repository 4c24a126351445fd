package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.SafetensorsFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
  @TempDir Path dir;

  /** Sets the gradient of loss = sum(coef * p) on each parameter: grad = coef. */
  private static void backward(Map<String, NDArray> params, float coef) {
    try (NDScope s = new NDScope();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = null;
      for (NDArray p : params.values()) {
        NDArray term = p.mul(coef).sum();
        loss = loss == null ? term : loss.add(term);
      }
      gc.backward(loss);
    }
  }

  @Test
  void matchesTheAdamWFormulaAndSkipsDecayOnNorms() throws Exception {
    // run on a fresh thread: grad mode is on by default there, as in a job
    Thread t = new Thread(() -> {
      try (NDManager nd = Devices.newManager()) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("w.weight", nd.create(new float[] {1f, -2f}));
        params.put("input_layernorm.weight", nd.create(new float[] {0.5f}));
        params.values().forEach(p -> p.setRequiresGradient(true));
        double lr = 0.1;
        double wd = 0.01;
        double b1 = 0.9;
        double b2 = 0.99;
        double eps = 1e-8;
        try (AdamW opt = new AdamW(params, b1, b2, eps, wd)) {
          double[] w = {1, -2};
          double[] n = {0.5};
          double[] mw = new double[2];
          double[] vw = new double[2];
          double[] mn = new double[1];
          double[] vn = new double[1];
          float[] grads = {0.5f, -1.5f, 2f};
          for (int k = 1; k <= 3; k++) {
            float g = grads[k - 1];
            backward(params, g);
            opt.step(lr);
            opt.zeroGrad();
            for (int i = 0; i < 2; i++) {
              w[i] *= 1 - lr * wd;
              mw[i] = b1 * mw[i] + (1 - b1) * g;
              vw[i] = b2 * vw[i] + (1 - b2) * g * g;
              w[i] -= lr / (1 - Math.pow(b1, k)) * mw[i]
                  / (Math.sqrt(vw[i]) / Math.sqrt(1 - Math.pow(b2, k)) + eps);
            }
            mn[0] = b1 * mn[0] + (1 - b1) * g;
            vn[0] = b2 * vn[0] + (1 - b2) * g * g;
            n[0] -= lr / (1 - Math.pow(b1, k)) * mn[0]
                / (Math.sqrt(vn[0]) / Math.sqrt(1 - Math.pow(b2, k)) + eps);
          }
          float[] got = params.get("w.weight").toFloatArray();
          assertThat(got[0]).isCloseTo((float) w[0], within(1e-5f));
          assertThat(got[1]).isCloseTo((float) w[1], within(1e-5f));
          assertThat(params.get("input_layernorm.weight").getFloat())
              .isCloseTo((float) n[0], within(1e-5f));
        }
      }
    });
    runAndRethrow(t);
  }

  @Test
  void clipsTheGlobalNormAndRestoresItsState() throws Exception {
    Thread t = new Thread(() -> {
      try (NDManager nd = Devices.newManager()) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("a", nd.create(new float[] {1f, 1f, 1f}));
        params.put("b", nd.create(new float[] {2f}));
        params.values().forEach(p -> p.setRequiresGradient(true));
        try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0)) {
          backward(params, 2f); // grads all 2: norm sqrt(4 * 4) = 4
          assertThat(opt.clipGradNorm(1.0)).isCloseTo(4.0, within(1e-6));
          assertThat(params.get("a").getGradient().toFloatArray()[0])
              .isCloseTo(0.5f, within(1e-5f));
          opt.step(0.01);
          opt.save(dir.resolve("optimizer.safetensors"));
          try (AdamW again = new AdamW(params, 0.9, 0.999, 1e-8, 0)) {
            again.load(dir.resolve("optimizer.safetensors"), opt.steps());
            assertThat(again.steps()).isEqualTo(1);
            opt.zeroGrad();
            backward(params, 1f);
            float before = params.get("b").getFloat();
            again.step(0.01);
            float viaLoaded = params.get("b").getFloat();
            params.get("b").set(new float[] {before});
            opt.step(0.01);
            assertThat(params.get("b").getFloat()).isEqualTo(viaLoaded);
          }
        }
      }
    });
    runAndRethrow(t);
  }

  /**
   * Checkpoints written before optimizer state went through SafetensorsWriter hold it in DJL's
   * NDList safetensors encoding: they still load, to the same moments.
   */
  @Test
  void loadsOptimizerStateInTheEarlierNdListEncoding() throws Exception {
    Thread t = new Thread(() -> {
      try (NDManager nd = Devices.newManager()) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("model.layers.0.mlp.up_proj.weight", nd.create(new float[] {1f, -2f, 3f, 0.5f},
            new Shape(2, 2)));
        params.put("model.norm.weight", nd.create(new float[] {0.25f}));
        params.values().forEach(p -> p.setRequiresGradient(true));
        try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.01)) {
          for (float g : new float[] {0.3f, -1.1f}) {
            backward(params, g);
            opt.step(0.05);
            opt.zeroGrad();
          }
          Path now = dir.resolve("optimizer.safetensors");
          opt.save(now);
          Map<String, Tensor> saved = SafetensorsFile.readAll(now);
          assertThat(saved).containsOnlyKeys("exp_avg.model.layers.0.mlp.up_proj.weight",
              "exp_avg_sq.model.layers.0.mlp.up_proj.weight", "exp_avg.model.norm.weight",
              "exp_avg_sq.model.norm.weight");
          // the earlier writer: the same named arrays, encoded by DJL
          NDList list = new NDList();
          saved.forEach((name, v) -> {
            NDArray a = nd.create(v.data(), new Shape(v.shape()));
            a.setName(name);
            list.add(a);
          });
          Path before = dir.resolve("optimizer-ndlist.safetensors");
          try (OutputStream out = Files.newOutputStream(before)) {
            list.encode(out, NDList.Encoding.SAFETENSORS);
          }
          try (AdamW again = new AdamW(params, 0.9, 0.999, 1e-8, 0.01)) {
            again.load(before, opt.steps());
            Path back = dir.resolve("again.safetensors");
            again.save(back);
            assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(now));
          }
          params.put("model.extra.weight", nd.create(new float[] {1f}));
          try (AdamW other = new AdamW(params, 0.9, 0.999, 1e-8, 0.01)) {
            assertThatThrownBy(() -> other.load(now, 2)).isInstanceOf(TemperException.class)
                .hasMessageContaining("exp_avg.model.extra.weight");
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
    runAndRethrow(t);
  }

  private static void runAndRethrow(Thread t) throws Exception {
    Throwable[] failure = new Throwable[1];
    t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
    t.start();
    t.join();
    if (failure[0] instanceof Error err) {
      throw err;
    }
    if (failure[0] != null) {
      throw new AssertionError(failure[0]);
    }
  }
}
