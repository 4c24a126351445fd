package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;

/**
 * The formulas of GRPO and PPO (ALGORITHMS.md; open-instruct's grpo_fast and ppo), on plain
 * arrays for advantages and on DJL arrays (differentiable) for the per-token policy loss.
 */
public final class RlMath {
  private RlMath() {}

  /** Group advantages: one per completion, whether it trains, and the groups dropped. */
  public record GroupAdvantages(double[] advantages, boolean[] kept, int droppedGroups,
      int groups) {}

  /**
   * GRPO's group-normalised advantages. {@code rewards} holds consecutive groups of
   * {@code groupSize}; A_i = r_i - mean(group) ("centered") or (r_i - mean) / (std + 1e-8)
   * ("standard", population std as numpy computes it). A group whose rewards are all equal
   * (std 0) teaches nothing: its completions are dropped (kept false) and counted.
   */
  public static GroupAdvantages groupAdvantages(double[] rewards, int groupSize,
      boolean standard) {
    if (groupSize <= 0 || rewards.length % groupSize != 0) {
      throw new IllegalArgumentException(rewards.length + " rewards do not form groups of "
          + groupSize);
    }
    double[] adv = new double[rewards.length];
    boolean[] kept = new boolean[rewards.length];
    int dropped = 0;
    int groups = rewards.length / groupSize;
    for (int g = 0; g < groups; g++) {
      double mean = 0;
      for (int i = 0; i < groupSize; i++) {
        mean += rewards[g * groupSize + i];
      }
      mean /= groupSize;
      double var = 0;
      for (int i = 0; i < groupSize; i++) {
        double d = rewards[g * groupSize + i] - mean;
        var += d * d;
      }
      double std = Math.sqrt(var / groupSize);
      boolean keep = std > 1e-6 * Math.max(1, Math.abs(mean));
      dropped += keep ? 0 : 1;
      for (int i = 0; i < groupSize; i++) {
        int k = g * groupSize + i;
        double centered = rewards[k] - mean;
        adv[k] = keep ? (standard ? centered / (std + 1e-8) : centered) : 0;
        kept[k] = keep;
      }
    }
    return new GroupAdvantages(adv, kept, dropped, groups);
  }

  /**
   * The KL estimator {@code kl1..kl4} per token, d = logp - logp_ref (clamped to +-40 as
   * open-instruct does): kl1 d, kl2 d^2 / 2, kl3 exp(-d) - 1 + d, kl4 ratio * d.
   */
  public static NDArray kl(String estimator, NDArray logp, NDArray refLogp, NDArray ratio) {
    NDArray d = logp.sub(refLogp).clip(-40f, 40f);
    return switch (estimator) {
      case "kl1" -> d;
      case "kl2" -> d.mul(d).div(Losses.scalar(d, 2));
      case "kl3" -> d.neg().exp().sub(Losses.scalar(d, 1)).add(d);
      case "kl4" -> ratio.mul(d);
      default -> throw new IllegalArgumentException("unknown kl_estimator " + estimator);
    };
  }

  /** The same estimators on plain numbers (rollout metrics, PPO's per-token penalty). */
  public static double kl(String estimator, double logp, double refLogp, double ratio) {
    double d = Math.max(-40, Math.min(40, logp - refLogp));
    return switch (estimator) {
      case "kl1" -> d;
      case "kl2" -> d * d / 2;
      case "kl3" -> Math.expm1(-d) + d;
      case "kl4" -> ratio * d;
      default -> throw new IllegalArgumentException("unknown kl_estimator " + estimator);
    };
  }

  /**
   * The clipped policy-gradient loss per token (N targets): ratio = exp(logp - old),
   * max(-A ratio, -A clip(ratio, 1 - clipLower, 1 + clipHigher)), plus beta * KL to the
   * reference when {@code refLogp} is given; {@code clipped} is 1 where the clipped term won.
   */
  public record TokenLoss(NDArray loss, NDArray ratio, NDArray clipped, NDArray kl) {}

  public static TokenLoss tokenLoss(NDArray logp, NDArray oldLogp, NDArray refLogp,
      NDArray advantages, double clipLower, double clipHigher, double beta, String estimator) {
    NDArray ratio = logp.sub(oldLogp).exp();
    NDArray pg1 = advantages.neg().mul(ratio);
    NDArray pg2 = advantages.neg().mul(ratio.clip(1 - clipLower, 1 + clipHigher));
    NDArray pg = pg1.maximum(pg2);
    NDArray clipped = pg2.gt(pg1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    NDArray kl = null;
    NDArray loss = pg;
    if (refLogp != null) {
      kl = kl(estimator, logp, refLogp, ratio);
      if (beta != 0) {
        loss = pg.add(kl.mul(Losses.scalar(kl, beta)));
      }
    }
    return new TokenLoss(loss, ratio, clipped, kl);
  }

  /**
   * PPO's clipped value loss per token: 0.5 * max((V - R)^2, (clip(V, V_old +- c) - R)^2);
   * {@code clipped} is 1 where the clipped term won.
   */
  public record ValueLoss(NDArray loss, NDArray clipped) {}

  public static ValueLoss valueLoss(NDArray values, NDArray oldValues, NDArray returns,
      double cliprange) {
    NDArray vClipped = oldValues.add(values.sub(oldValues).clip(-cliprange, cliprange));
    NDArray l1 = values.sub(returns).square();
    NDArray l2 = vClipped.sub(returns).square();
    NDArray loss = l1.maximum(l2).mul(Losses.scalar(values, 0.5));
    return new ValueLoss(loss, l2.gt(l1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
  }

  /**
   * Generalised advantage estimation over one response: per-token rewards and values,
   * delta_t = r_t + gamma V_{t+1} - V_t (V after the last token is 0), A_t = delta_t + gamma
   * lambda A_{t+1}; returns [advantages, returns = A + V].
   */
  public static double[][] gae(double[] rewards, double[] values, double gamma, double lam) {
    int n = rewards.length;
    double[] adv = new double[n];
    double last = 0;
    for (int t = n - 1; t >= 0; t--) {
      double next = t + 1 < n ? values[t + 1] : 0;
      double delta = rewards[t] + gamma * next - values[t];
      last = delta + gamma * lam * last;
      adv[t] = last;
    }
    double[] ret = new double[n];
    for (int t = 0; t < n; t++) {
      ret[t] = adv[t] + values[t];
    }
    return new double[][] {adv, ret};
  }

  /** Whitens in place over all entries: (x - mean) / (std + 1e-8), std unbiased as torch's. */
  public static void whiten(double[][] rows) {
    double sum = 0;
    int n = 0;
    for (double[] r : rows) {
      for (double v : r) {
        sum += v;
        n++;
      }
    }
    if (n < 2) {
      return;
    }
    double mean = sum / n;
    double var = 0;
    for (double[] r : rows) {
      for (double v : r) {
        var += (v - mean) * (v - mean);
      }
    }
    double std = Math.sqrt(var / (n - 1));
    for (double[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        r[i] = (r[i] - mean) / (std + 1e-8);
      }
    }
  }
}
