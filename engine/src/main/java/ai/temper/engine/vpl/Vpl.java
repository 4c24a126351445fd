package ai.temper.engine.vpl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import ai.temper.engine.data.Embedder;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.train.AdamW;
import ai.temper.engine.train.Losses;
import ai.temper.engine.train.TrainingRuns;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * A trained pluralistic reward model and the plain Bradley-Terry baseline trained beside it on
 * the same pairs, with what the GUI and the command line ask of them: per-annotator held-out
 * accuracy, the posterior of an annotator's latent from their labels, rewards under a latent,
 * and the pair to ask an annotator next.
 *
 * <p>Training (one step): pick {@code per_device_train_batch_size} annotators; for each, a
 * context of c of their labelled pairs (c drawn from 1..context_size per step) gives
 * q(z | context); z = mu + sigma * eps; the loss is Bradley-Terry on context_size other pairs of
 * the same annotator under r(x, y, z), plus kl_weight * KL(q || N(0, I)). The baseline takes a
 * Bradley-Terry step on the same target pairs with r(x, y).
 */
public final class Vpl implements AutoCloseable {
  /** One labelled pair: the annotator preferred {@code chosen} to {@code rejected}. */
  public record Pair(String annotator, String prompt, String chosen, String rejected) {}

  /** Held-out results of one annotator. */
  public record AnnotatorResult(String annotator, int trainPairs, int heldOut,
      double btAccuracy, double vplAccuracy, double sigma) {}

  /** The pair to ask next: its index among the candidates and its information score. */
  public record Suggestion(int index, double information, double preferA) {}

  private final VplConfig config;
  private final PairFeatures features;
  private final VplModel model;
  private final VplModel baseline;
  private final Map<String, List<Pair>> train = new LinkedHashMap<>();
  private final Map<String, List<Pair>> heldOut = new LinkedHashMap<>();

  private Vpl(VplConfig config, PairFeatures features) {
    this.config = config;
    this.features = features;
    this.model = new VplModel(features.dimension(), config.hiddenDim(), config.latentDim(),
        config.seed());
    this.baseline = new VplModel(features.dimension(), config.hiddenDim(), 0,
        config.seed() + 1L);
  }

  /** Labelled pairs from canonical preference rows whose meta names the annotator. */
  public static List<Pair> pairs(List<JsonNode> rows) {
    List<Pair> out = new ArrayList<>();
    int i = 0;
    for (JsonNode r : rows) {
      i++;
      String annotator = r.path("meta").path("annotator").asText(null);
      if (annotator == null || annotator.isBlank()) {
        throw new TemperException("preference row " + i + " names no annotator (a field "
            + "'annotator'): VPL learns one latent per annotator");
      }
      out.add(new Pair(annotator, text(r.path("prompt")), text(r.path("chosen")),
          text(r.path("rejected"))));
    }
    return out;
  }

  private static String text(JsonNode messages) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode m : messages) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(m.path("content").asText());
    }
    return sb.toString();
  }

  /**
   * Trains on {@code pairs}: each annotator's pairs are split (seeded) into training and
   * held-out ones. {@code onMetrics} hears (step, metrics) every logging_steps and at
   * evaluations. The embedder is closed with the returned model.
   */
  public static Vpl train(List<Pair> pairs, VplConfig config, Embedder embedder,
      JobContext ctx, BiConsumer<Integer, Map<String, Double>> onMetrics) {
    Vpl v = new Vpl(config, new PairFeatures(embedder));
    // the networks are tiny: one intra-op thread avoids OpenMP waits, worst on a busy machine
    int threads = JniUtils.getNumThreads();
    JniUtils.setNumThreads(1);
    try {
      v.split(pairs);
      // libtorch records gradients for one trainer at a time in a process
      TrainingRuns.exclusively(() -> {
        v.fit(ctx, onMetrics);
        return null;
      });
      return v;
    } catch (RuntimeException e) {
      v.close();
      throw e;
    } finally {
      JniUtils.setNumThreads(threads);
    }
  }

  private void split(List<Pair> pairs) {
    Map<String, List<Pair>> by = new LinkedHashMap<>();
    for (Pair p : pairs) {
      by.computeIfAbsent(p.annotator(), k -> new ArrayList<>()).add(p);
    }
    Random rnd = new Random(config.seed());
    for (Map.Entry<String, List<Pair>> e : by.entrySet()) {
      List<Pair> all = new ArrayList<>(e.getValue());
      Collections.shuffle(all, rnd);
      int hold = (int) Math.round(all.size() * config.evalFraction());
      if (all.size() - hold < 2 || hold < 1) {
        throw new TemperException("annotator '" + e.getKey() + "' has " + all.size()
            + " pairs: VPL needs at least 2 to train on and 1 held out (eval_fraction "
            + config.evalFraction() + ")");
      }
      heldOut.put(e.getKey(), new ArrayList<>(all.subList(0, hold)));
      train.put(e.getKey(), new ArrayList<>(all.subList(hold, all.size())));
    }
  }

  private void fit(JobContext ctx, BiConsumer<Integer, Map<String, Double>> onMetrics) {
    List<String> users = new ArrayList<>(train.keySet());
    int b = config.batchSize();
    int cMax = config.contextSize();
    int t = config.contextSize();
    int f = features.dimension();
    int l = config.latentDim();
    try (NoGrad ng = NoGrad.enter();
        AdamW opt = new AdamW(model.parameters(), 0.9, 0.999, 1e-8, config.weightDecay());
        AdamW optBt = new AdamW(baseline.parameters(), 0.9, 0.999, 1e-8,
            config.weightDecay())) {
      double[] sums = new double[5];
      int counted = 0;
      for (int step = 1; step <= config.maxTrainSteps(); step++) {
        ctx.checkCancelled();
        Random rnd = new Random(config.seed() * 1_000_003L + step);
        int c = 1 + rnd.nextInt(cMax);
        float[] ctxDiff = new float[b * c * f];
        float[] tc = new float[b * t * f];
        float[] tr = new float[b * t * f];
        float[] eps = new float[b * l];
        for (int i = 0; i < b; i++) {
          List<Pair> own = new ArrayList<>(train.get(users.get(rnd.nextInt(users.size()))));
          Collections.shuffle(own, rnd);
          for (int j = 0; j < c; j++) {
            Pair p = own.get(own.size() >= c + t ? j : rnd.nextInt(own.size()));
            diff(p, ctxDiff, (i * c + j) * f);
          }
          for (int j = 0; j < t; j++) {
            Pair p = own.get(own.size() >= c + t ? c + j : rnd.nextInt(own.size()));
            System.arraycopy(features.phi(p.prompt(), p.chosen()), 0, tc, (i * t + j) * f, f);
            System.arraycopy(features.phi(p.prompt(), p.rejected()), 0, tr, (i * t + j) * f, f);
          }
          for (int j = 0; j < l; j++) {
            eps[i * l + j] = (float) rnd.nextGaussian();
          }
        }
        float[] stepMetrics = new float[5];
        try (NDScope scope = new NDScope(); NDManager nd = Devices.newManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray ctxArr = nd.create(ctxDiff, new Shape(b, c, f));
          NDArray count = nd.full(new Shape(b, 1), (float) Math.log1p(c));
          NDArray chosen = nd.create(tc, new Shape(b, t, f));
          NDArray rejected = nd.create(tr, new Shape(b, t, f));
          NDArray[] q = model.posterior(ctxArr, count);
          NDArray sigma = q[1].mul(0.5f).exp();
          NDArray z = q[0].add(sigma.mul(nd.create(eps, new Shape(b, l))));
          NDArray zt = z.expandDims(1).broadcast(new Shape(b, t, l));
          NDArray margin = model.reward(chosen, zt).sub(model.reward(rejected, zt));
          NDArray nll = Losses.logSigmoid(margin).mean().neg();
          NDArray kl = VplModel.kl(q[0], q[1]).mean();
          NDArray loss = nll.add(kl.mul((float) config.klWeight()));
          gc.backward(loss);
          NDArray btMargin = baseline.reward(chosen, null).sub(baseline.reward(rejected, null));
          NDArray btLoss = Losses.logSigmoid(btMargin).mean().neg();
          gc.backward(btLoss);
          stepMetrics[0] = loss.getFloat();
          stepMetrics[1] = nll.getFloat();
          stepMetrics[2] = kl.getFloat();
          stepMetrics[3] = sigma.mean().getFloat();
          stepMetrics[4] = btLoss.getFloat();
        }
        opt.clipGradNorm(config.maxGradNorm());
        optBt.clipGradNorm(config.maxGradNorm());
        opt.step(config.learningRate());
        optBt.step(config.learningRate());
        opt.zeroGrad();
        optBt.zeroGrad();
        for (int k = 0; k < 5; k++) {
          sums[k] += stepMetrics[k];
        }
        counted++;
        if (step % config.loggingSteps() == 0 || step == config.maxTrainSteps()) {
          Map<String, Double> m = new LinkedHashMap<>();
          m.put("loss", sums[0] / counted);
          m.put("bt_loss", sums[1] / counted);
          m.put("kl", sums[2] / counted);
          m.put("sigma", sums[3] / counted);
          m.put("baseline_loss", sums[4] / counted);
          java.util.Arrays.fill(sums, 0);
          counted = 0;
          onMetrics.accept(step, m);
        }
        if ((config.evalSteps() > 0 && step % config.evalSteps() == 0)
            || step == config.maxTrainSteps()) {
          onMetrics.accept(step, summary(evaluate()));
        }
        ctx.progress((double) step / config.maxTrainSteps(), "step " + step + "/"
            + config.maxTrainSteps() + String.format(", loss %.4f", stepMetrics[0]));
      }
    }
  }

  private void diff(Pair p, float[] into, int offset) {
    float[] c = features.phi(p.prompt(), p.chosen());
    float[] r = features.phi(p.prompt(), p.rejected());
    for (int k = 0; k < c.length; k++) {
      into[offset + k] = c[k] - r[k];
    }
  }

  /** The mean per-annotator held-out accuracies of VPL and of the baseline. */
  public static Map<String, Double> summary(List<AnnotatorResult> results) {
    double vpl = 0;
    double bt = 0;
    double sigma = 0;
    for (AnnotatorResult r : results) {
      vpl += r.vplAccuracy();
      bt += r.btAccuracy();
      sigma += r.sigma();
    }
    int n = Math.max(1, results.size());
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("eval_accuracy", vpl / n);
    m.put("eval_accuracy_baseline", bt / n);
    m.put("eval_sigma", sigma / n);
    return m;
  }

  /**
   * Held-out accuracy per annotator: VPL with z = mu of q(z | the annotator's first
   * context_size training pairs), and the baseline; sigma is the mean posterior std.
   */
  public List<AnnotatorResult> evaluate() {
    List<AnnotatorResult> out = new ArrayList<>();
    for (String u : train.keySet()) {
      List<Pair> context = train.get(u).subList(0, Math.min(config.contextSize(),
          train.get(u).size()));
      float[][] q = posterior(context);
      List<Pair> held = heldOut.get(u);
      float[][] zs = new float[held.size()][];
      java.util.Arrays.fill(zs, q[0]);
      double[] vc = rewards(held, true, zs);
      double[] vr = rewards(held, false, zs);
      double[] bc = rewards(held, true, null);
      double[] br = rewards(held, false, null);
      int vplRight = 0;
      int btRight = 0;
      for (int i = 0; i < held.size(); i++) {
        vplRight += vc[i] > vr[i] ? 1 : 0;
        btRight += bc[i] > br[i] ? 1 : 0;
      }
      double sigma = 0;
      for (float s : q[1]) {
        sigma += s;
      }
      int n = held.size();
      out.add(new AnnotatorResult(u, train.get(u).size(), n, (double) btRight / n,
          (double) vplRight / n, sigma / q[1].length));
    }
    return out;
  }

  /**
   * Rewards of the chosen (or rejected) side of each pair, under latents {@code zs} (one per
   * pair), or of the baseline when {@code zs} is null: one batched forward pass.
   */
  private double[] rewards(List<Pair> pairs, boolean chosen, float[][] zs) {
    int f = features.dimension();
    int n = pairs.size();
    float[] phi = new float[n * f];
    for (int i = 0; i < n; i++) {
      Pair p = pairs.get(i);
      System.arraycopy(features.phi(p.prompt(), chosen ? p.chosen() : p.rejected()), 0, phi,
          i * f, f);
    }
    int l = config.latentDim();
    float[] z = null;
    if (zs != null) {
      z = new float[n * l];
      for (int i = 0; i < n; i++) {
        System.arraycopy(zs[i], 0, z, i * l, l);
      }
    }
    int threads = JniUtils.getNumThreads();
    JniUtils.setNumThreads(1);
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope();
        NDManager nd = Devices.newManager()) {
      NDArray x = nd.create(phi, new Shape(n, f));
      NDArray r = z == null ? baseline.reward(x, null)
          : model.reward(x, nd.create(z, new Shape(n, l)));
      float[] v = r.toFloatArray();
      double[] out = new double[n];
      for (int i = 0; i < n; i++) {
        out[i] = v[i];
      }
      return out;
    } finally {
      JniUtils.setNumThreads(threads);
    }
  }

  /** The annotators the model knows, with their training pairs. */
  public Map<String, List<Pair>> trainingPairs() {
    return Collections.unmodifiableMap(train);
  }

  public int latentDim() {
    return config.latentDim();
  }

  /** mu and sigma of q(z | context) for a set of labelled pairs (at least one). */
  public float[][] posterior(List<Pair> context) {
    if (context.isEmpty()) {
      float[] zero = new float[config.latentDim()];
      float[] one = new float[config.latentDim()];
      java.util.Arrays.fill(one, 1f);
      return new float[][] {zero, one};
    }
    int f = features.dimension();
    float[] d = new float[context.size() * f];
    for (int j = 0; j < context.size(); j++) {
      diff(context.get(j), d, j * f);
    }
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope();
        NDManager nd = Devices.newManager()) {
      NDArray[] q = model.posterior(nd.create(d, new Shape(1, context.size(), f)),
          nd.full(new Shape(1, 1), (float) Math.log1p(context.size())));
      return new float[][] {q[0].toFloatArray(), q[1].mul(0.5f).exp().toFloatArray()};
    }
  }

  /** r(x, y, z). */
  public double reward(String prompt, String response, float[] z) {
    return rewards(List.of(new Pair("", prompt, response, response)), true,
        new float[][] {z})[0];
  }

  /** The baseline's r(x, y). */
  public double baselineReward(String prompt, String response) {
    return rewards(List.of(new Pair("", prompt, response, response)), true, null)[0];
  }

  /**
   * The candidate pair (prompt, a, b) whose answer would tell most about this annotator's
   * latent: the largest mutual information between the answer and z under q(z | context)
   * (BALD: H[mean_z p] - mean_z H[p], p = sigmoid(r(a, z) - r(b, z)), over {@code samples}
   * draws of z).
   */
  public Suggestion suggest(List<Pair> context, List<String[]> candidates, int samples,
      long seed) {
    if (candidates.isEmpty()) {
      throw new TemperException("no pair left to suggest");
    }
    float[][] q = posterior(context);
    Random rnd = new Random(seed);
    float[][] zs = new float[samples][q[0].length];
    for (int s = 0; s < samples; s++) {
      for (int k = 0; k < q[0].length; k++) {
        zs[s][k] = (float) (q[0][k] + q[1][k] * rnd.nextGaussian());
      }
    }
    int best = -1;
    double bestInfo = -1;
    double bestP = 0;
    for (int i = 0; i < candidates.size(); i++) {
      String[] c = candidates.get(i);
      List<Pair> same = java.util.Collections.nCopies(samples, new Pair("", c[0], c[1], c[2]));
      double[] ra = rewards(same, true, zs);
      double[] rb = rewards(same, false, zs);
      double mean = 0;
      double meanEntropy = 0;
      for (int s = 0; s < samples; s++) {
        double p = 1 / (1 + Math.exp(-(ra[s] - rb[s])));
        mean += p / samples;
        meanEntropy += entropy(p) / samples;
      }
      double info = entropy(mean) - meanEntropy;
      if (info > bestInfo) {
        bestInfo = info;
        best = i;
        bestP = mean;
      }
    }
    return new Suggestion(best, bestInfo, bestP);
  }

  private static double entropy(double p) {
    double e = 0;
    if (p > 0) {
      e -= p * Math.log(p);
    }
    if (p < 1) {
      e -= (1 - p) * Math.log(1 - p);
    }
    return e;
  }

  /** The features' description (embedder and length features). */
  public String featureName() {
    return features.name();
  }

  /** The weights of both networks, named encoder.*, reward.* and baseline.reward.*. */
  public ai.djl.ndarray.NDList weights() {
    ai.djl.ndarray.NDList all = new ai.djl.ndarray.NDList();
    all.addAll(model.weights());
    for (Map.Entry<String, NDArray> e : baseline.parameters().entrySet()) {
      NDArray copy = e.getValue().duplicate();
      copy.setName("baseline." + e.getKey());
      all.add(copy);
    }
    return all;
  }

  @Override
  public void close() {
    model.close();
    baseline.close();
    features.close();
  }
}
