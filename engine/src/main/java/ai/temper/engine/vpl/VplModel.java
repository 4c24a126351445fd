package ai.temper.engine.vpl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.temper.engine.Devices;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The networks of variational preference learning (Poddar et al., 2024), over fixed features
 * phi(x, y) of a prompt and a response:
 *
 * <pre>
 *   encoder   e_i = relu(W1 (phi(x_i, y_i^chosen) - phi(x_i, y_i^rejected)) + b1)   per pair
 *             h   = relu(W2 [mean_i(e_i); ln(1 + n)] + b2)   (a set encoder: order does not
 *                                                      matter; n, the context size, lets
 *                                                      sigma shrink as evidence grows)
 *             q(z | context) = N(mu, diag sigma^2),  mu = W_mu h,  log sigma^2 = W_lv h
 *   reward    r(x, y, z) = w2 . relu(R1 [phi(x, y); z] + c1) + c2
 * </pre>
 *
 * Without a latent ({@code latentDim == 0}) the same reward MLP is a plain Bradley-Terry
 * reward r(x, y), the baseline. Tensor names follow the parts: encoder.fc1.weight, ...
 */
final class VplModel implements AutoCloseable {
  final int features;
  final int hidden;
  final int latent;
  private final NDManager manager;
  private final Map<String, NDArray> params = new LinkedHashMap<>();

  VplModel(int features, int hidden, int latent, long seed) {
    this.features = features;
    this.hidden = hidden;
    this.latent = latent;
    this.manager = Devices.newManager();
    Random rnd = new Random(seed);
    if (latent > 0) {
      linear(rnd, "encoder.fc1", hidden, features);
      linear(rnd, "encoder.fc2", hidden, hidden + 1);
      linear(rnd, "encoder.mu", latent, hidden);
      linear(rnd, "encoder.logvar", latent, hidden);
    }
    linear(rnd, "reward.fc1", hidden, features + latent);
    linear(rnd, "reward.fc2", 1, hidden);
  }

  /** PyTorch's nn.Linear initialisation: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias. */
  private void linear(Random rnd, String name, int out, int in) {
    float bound = (float) (1 / Math.sqrt(in));
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (rnd.nextFloat() * 2 - 1) * bound;
    }
    float[] b = new float[out];
    for (int i = 0; i < out; i++) {
      b[i] = (rnd.nextFloat() * 2 - 1) * bound;
    }
    NDArray weight = manager.create(w, new Shape(out, in));
    NDArray bias = manager.create(b, new Shape(out));
    weight.setName(name + ".weight");
    bias.setName(name + ".bias");
    weight.setRequiresGradient(true);
    bias.setRequiresGradient(true);
    params.put(name + ".weight", weight);
    params.put(name + ".bias", bias);
  }

  Map<String, NDArray> parameters() {
    return params;
  }

  private NDArray apply(String name, NDArray x) {
    return x.getNDArrayInternal().linear(x, params.get(name + ".weight"),
        params.get(name + ".bias")).singletonOrThrow();
  }

  /**
   * mu and log sigma^2 (each (B, L)) of q(z | context), from context differences (B, C, F)
   * and ln(1 + C) as a (B, 1) column.
   */
  NDArray[] posterior(NDArray contextDiffs, NDArray logCount) {
    NDArray e = Activation.relu(apply("encoder.fc1", contextDiffs));
    NDArray pooled = NDArrays.concat(new NDList(e.mean(new int[] {1}), logCount), -1);
    NDArray h = Activation.relu(apply("encoder.fc2", pooled));
    NDArray mu = apply("encoder.mu", h);
    // bounded so that an early step cannot make sigma overflow
    NDArray logvar = apply("encoder.logvar", h).clip(-8, 4);
    return new NDArray[] {mu, logvar};
  }

  /** Rewards of features (..., F) under latents (..., L) of the same leading shape. */
  NDArray reward(NDArray phi, NDArray z) {
    NDArray in = latent > 0 ? NDArrays.concat(new NDList(phi, z), -1) : phi;
    NDArray h = Activation.relu(apply("reward.fc1", in));
    return apply("reward.fc2", h).squeeze(-1);
  }

  /** KL(N(mu, sigma^2) || N(0, I)) per row: 0.5 sum(mu^2 + sigma^2 - log sigma^2 - 1). */
  static NDArray kl(NDArray mu, NDArray logvar) {
    return mu.square().add(logvar.exp()).sub(logvar).sub(1f).sum(new int[] {-1}).mul(0.5f);
  }

  /** The weights for a safetensors file. */
  NDList weights() {
    NDList list = new NDList();
    params.values().forEach(list::add);
    return list;
  }

  @Override
  public void close() {
    manager.close();
  }
}
