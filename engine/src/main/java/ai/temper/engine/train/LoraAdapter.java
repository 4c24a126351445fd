package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.temper.engine.model.LinearAdapter;

/**
 * A LoRA adapter on one linear layer (Hu et al.): y += (alpha / r) B A dropout(x), with
 * A (r, in) and B (out, r). B starts at zero, so a fresh adapter leaves the model unchanged;
 * only A and B train. Dropout applies to the adapter's input while training, as in PEFT.
 */
public final class LoraAdapter implements LinearAdapter {
  private final NDArray a;
  private final NDArray b;
  private final float scale;
  private final float dropout;
  private boolean training;

  public LoraAdapter(NDArray a, NDArray b, double alpha, double dropout) {
    this.a = a;
    this.b = b;
    this.scale = (float) (alpha / a.getShape().get(0));
    this.dropout = (float) dropout;
  }

  public NDArray a() {
    return a;
  }

  public NDArray b() {
    return b;
  }

  public float scale() {
    return scale;
  }

  /** Dropout is active only while training. */
  public void setTraining(boolean training) {
    this.training = training;
  }

  @Override
  public NDArray forward(NDArray x) {
    // ops are called on the activation, never on A or B, so results belong to the step's scope
    NDArray h = training && dropout > 0
        ? x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow() : x;
    NDArray down = h.getNDArrayInternal().linear(h, a, null).singletonOrThrow();
    // the scale as a tensor of the step (see Losses.scalar): a number operand would be freed
    // before backward reads it
    return down.getNDArrayInternal().linear(down, b, null).singletonOrThrow()
        .mul(x.getManager().create(scale));
  }

  @Override
  public NDArray weightDelta() {
    return b.matMul(a).muli(scale);
  }
}
