package ai.temper.engine.model;

import ai.temper.engine.TemperException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named weights, Hugging Face names ("model.layers.0.self_attn.q_proj.weight"), in HF's
 * layout (rotate-half RoPE: llama2.c readers permute q/k rows on the way in).
 */
public final class StateDict {
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();

  public StateDict put(String name, Tensor t) {
    tensors.put(name, t);
    return this;
  }

  public Tensor get(String name) {
    return tensors.get(name);
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public Map<String, Tensor> asMap() {
    return Collections.unmodifiableMap(tensors);
  }

  /** The tensor {@code name}, which must exist with exactly {@code shape}. */
  public Tensor require(String name, String source, long... shape) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new TemperException(source + ": tensor '" + name + "' is missing");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new TemperException(source + ": tensor '" + name + "' has shape "
          + Arrays.toString(t.shape()) + " but the config implies " + Arrays.toString(shape));
    }
    return t;
  }
}
