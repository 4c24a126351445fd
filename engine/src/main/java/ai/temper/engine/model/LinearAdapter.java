package ai.temper.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * A trainable addition to one of the model's linear layers (LoRA and friends). The training
 * forward adds {@link #forward} to the layer's output; fast decoding merges
 * {@link #weightDelta} into the weight when {@link LlamaModel#refreshInference()} rebuilds it.
 */
public interface LinearAdapter {
  /** The adapter's contribution for input {@code x} (..., in) -> (..., out). */
  NDArray forward(NDArray x);

  /** The same contribution as a dense (out, in) weight update, for merging. */
  NDArray weightDelta();
}
