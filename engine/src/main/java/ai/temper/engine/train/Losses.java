package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.model.LlamaModel;
import ai.djl.nn.Activation;

/**
 * The loss functions of the algorithms, as the formulas in ALGORITHMS.md write them, over
 * DJL arrays (differentiable). Shapes: B rows, T positions, V vocabulary.
 */
public final class Losses {
  private Losses() {}

  /**
   * log p(label_t) at every position: {@code logits} (B,T,V), {@code labels} (B,T) int64 ids
   * of the next token (already shifted by one), result (B,T).
   */
  public static NDArray tokenLogProbs(NDArray logits, NDArray labels) {
    NDArray idx = labels.toType(DataType.INT64, false).expandDims(-1);
    return logits.logSoftmax(-1).gather(idx, -1).squeeze(-1);
  }

  /**
   * log p of each target token of {@code batch} (N = batch.targetTokens(), in the batch's
   * target order). The output head, the largest matmul of a small model, runs only on the
   * hidden states of target positions: in SFT and DPO most positions are prompt or padding.
   */
  public static NDArray targetLogProbs(LlamaModel model, Batch batch, NDManager nd) {
    NDArray picked = targetHidden(model.hiddenStates(batch.inputIds(), null), batch, nd);
    NDArray labels = nd.create(batch.targetLabels()).reshape(batch.targetPositions().length, 1);
    if (ai.djl.pytorch.jni.JniUtils.isGradMode() && model.streamsOutputHead()) {
      // the head recomputed in blocks, or a frozen one streamed: no (N, vocab) logits kept;
      // the caller runs LlamaModel.backwardCheckpointed after its backward
      return model.checkpointedLogProbs(picked, labels);
    }
    if (!ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      return model.headLogProbs(picked, labels); // no (N, vocab) logits while evaluating
    }
    return model.logits(picked).logSoftmax(-1).gather(labels, 1).squeeze(1);
  }

  /** The hidden states (B, T, d) at the batch's target positions, in order: (N, d). */
  static NDArray targetHidden(NDArray hidden, Batch batch, NDManager nd) {
    long d = hidden.getShape().get(2);
    int n = batch.targetPositions().length;
    return hidden.reshape(-1, d)
        .gather(nd.create(batch.targetPositions()).reshape(n, 1).broadcast(n, d), 0);
  }

  /** Sums per-target values (N) into their rows (B): one small (B, N) matmul. */
  public static NDArray rowSums(NDArray perTarget, Batch batch, NDManager nd) {
    int n = batch.targetRows().length;
    float[] owner = new float[batch.rows() * n];
    for (int k = 0; k < n; k++) {
      owner[batch.targetRows()[k] * n + k] = 1f;
    }
    return nd.create(owner, new Shape(batch.rows(), n)).matMul(perTarget);
  }

  /** Mean negative log-likelihood over the positions where {@code mask} (B,T float) is 1. */
  public static NDArray maskedNll(NDArray tokenLogProbs, NDArray mask) {
    return tokenLogProbs.mul(mask).sum().neg().div(mask.sum().maximum(1f));
  }

  /** Per-row sum of log-probs over the masked positions: log pi(y|x), shape (B). */
  public static NDArray sequenceLogProbs(NDArray tokenLogProbs, NDArray mask) {
    return tokenLogProbs.mul(mask).sum(new int[] {1});
  }

  /**
   * A scalar as a tensor of {@code like}'s manager, to use instead of a Java number operand in
   * anything gradients flow through. DJL turns a number operand into a temporary tensor over a
   * Java buffer and closes it right after the op; autograd keeps that tensor for the backward
   * pass of mul/div, and once the collector frees the buffer the gradient reads freed memory
   * (wrong values, sometimes NaN). A tensor of the step's manager lives until after backward.
   */
  public static NDArray scalar(NDArray like, double value) {
    return like.getManager().create((float) value);
  }

  /** log sigmoid(x), computed stably as -softplus(-x). */
  public static NDArray logSigmoid(NDArray x) {
    return Activation.softPlus(x.neg()).neg();
  }

  /** The pieces of a preference loss: the loss and the implicit rewards of both sides (B). */
  public record PreferenceLoss(NDArray loss, NDArray chosenRewards, NDArray rejectedRewards) {}

  /**
   * The DPO family on one batch of pairs. {@code policy*} and {@code ref*} are summed log-probs
   * of the completions (B); {@code *Lengths} their token counts (B, float). With the margin
   * z = (pc - rc) - (pr - rr) and s the logistic function:
   * <ul>
   *   <li>{@code dpo} (TRL: {@code sigmoid}): L = -(1-eps) log s(beta z) - eps log s(-beta z);
   *   <li>{@code dpo_norm} (Tulu 3): the same on per-token averages instead of sums;
   *   <li>{@code simpo}: reference-free, L = -log s(beta (avg_c - avg_r) - gamma),
   *       gamma = ratio * beta (smoothed alike);
   *   <li>{@code ipo} (TRL): L = (z_avg - 1 / (2 beta))^2 on per-token averages, as TRL
   *       averages log-probs for IPO;
   *   <li>{@code hinge} (TRL, SLiC): L = max(0, 1 - beta z);
   *   <li>{@code robust} (TRL, rDPO): L = (-(1-eps) log s(beta z) + eps log s(-beta z))
   *       / (1 - 2 eps);
   *   <li>{@code wpo} (open-instruct): the dpo loss weighted per pair by
   *       w = min(1, exp(pc / lc + pr / lr)), the policy's confidence in both completions
   *       (not detached, as open-instruct computes it).
   * </ul>
   * Rewards are beta (log pi - log ref) per side (per-token averages for dpo_norm and ipo,
   * beta avg log pi for simpo).
   */
  public static PreferenceLoss preference(String lossType, NDArray policyChosen,
      NDArray policyRejected, NDArray refChosen, NDArray refRejected, NDArray chosenLengths,
      NDArray rejectedLengths, double beta, double labelSmoothing, double gammaBetaRatio) {
    NDArray b = scalar(policyChosen, beta);
    NDArray chosenRatio;
    NDArray rejectedRatio;
    NDArray logits;
    NDArray weights = null;
    switch (lossType) {
      case "dpo", "hinge", "robust", "wpo" -> {
        chosenRatio = policyChosen.sub(refChosen);
        rejectedRatio = policyRejected.sub(refRejected);
        logits = chosenRatio.sub(rejectedRatio).mul(b);
        if (lossType.equals("wpo")) {
          weights = policyChosen.div(chosenLengths).add(policyRejected.div(rejectedLengths))
              .exp().minimum(scalar(policyChosen, 1.0));
        }
      }
      case "dpo_norm", "ipo" -> {
        chosenRatio = policyChosen.sub(refChosen).div(chosenLengths);
        rejectedRatio = policyRejected.sub(refRejected).div(rejectedLengths);
        logits = chosenRatio.sub(rejectedRatio).mul(b);
      }
      case "simpo" -> {
        chosenRatio = policyChosen.div(chosenLengths);
        rejectedRatio = policyRejected.div(rejectedLengths);
        logits = chosenRatio.sub(rejectedRatio).sub(scalar(policyChosen, gammaBetaRatio)).mul(b);
      }
      default -> throw new IllegalArgumentException("unknown loss_type " + lossType);
    }
    NDArray losses;
    switch (lossType) {
      case "ipo" -> // (z - 1/(2 beta))^2 with z = logits / beta
        losses = logits.div(b).sub(scalar(logits, 1 / (2 * beta))).square();
      case "hinge" -> losses = scalar(logits, 1.0).sub(logits).maximum(scalar(logits, 0.0));
      case "robust" -> {
        losses = logSigmoid(logits).mul(scalar(logits, -(1 - labelSmoothing)));
        if (labelSmoothing > 0) {
          losses = losses.add(logSigmoid(logits.neg()).mul(scalar(logits, labelSmoothing)));
        }
        losses = losses.div(scalar(logits, 1 - 2 * labelSmoothing));
      }
      default -> {
        losses = logSigmoid(logits).mul(scalar(logits, -(1 - labelSmoothing)));
        if (labelSmoothing > 0) {
          losses = losses.sub(logSigmoid(logits.neg()).mul(scalar(logits, labelSmoothing)));
        }
        if (weights != null) {
          losses = losses.mul(weights);
        }
      }
    }
    return new PreferenceLoss(losses.mean(), chosenRatio.mul(b).stopGradient(),
        rejectedRatio.mul(b).stopGradient());
  }

  /**
   * Bradley-Terry loss of a reward model: -log s(r_c - r_r - margin), averaged, plus
   * {@code centerCoef * mean((r_c + r_r)^2)} when the coefficient is positive.
   */
  public static NDArray bradleyTerry(NDArray chosenRewards, NDArray rejectedRewards,
      double margin, double centerCoef) {
    NDArray diff = chosenRewards.sub(rejectedRewards);
    if (margin != 0) {
      diff = diff.sub(scalar(diff, margin));
    }
    NDArray loss = logSigmoid(diff).mean().neg();
    if (centerCoef > 0) {
      loss = loss.add(chosenRewards.add(rejectedRewards).square().mean()
          .mul(scalar(loss, centerCoef)));
    }
    return loss;
  }
}
