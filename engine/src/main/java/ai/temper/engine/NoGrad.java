package ai.temper.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns libtorch's autograd recording off for a block and restores it after. Grad mode is
 * per thread and on by default in every thread but the one that loaded the engine, so
 * optimizer updates and evaluation on a job thread must switch it off explicitly: in-place
 * updates of leaf parameters fail under grad mode, and inference would build graphs.
 */
public final class NoGrad implements AutoCloseable {
  private final boolean previous;

  private NoGrad() {
    Engine.getInstance(); // loads libtorch before the first native call
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
  }

  public static NoGrad enter() {
    return new NoGrad();
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
