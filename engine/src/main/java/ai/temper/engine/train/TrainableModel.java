package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.LinearAdapter;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The model a run trains: the engine's {@link LlamaModel}, plus LoRA adapters when
 * {@code use_lora} is set and a scalar reward head for reward models. It knows which arrays
 * train (all weights, or only adapters and head), and how to export them: Hugging Face names,
 * adapters merged into their base weights, PEFT names for the adapters alone.
 */
public final class TrainableModel implements AutoCloseable {
  /** HF LlamaForSequenceClassification's name of the reward head, shape (1, hidden). */
  public static final String SCORE = "score.weight";
  /** PEFT's prefix of adapter tensor names. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private final LlamaModel model;
  private final NDManager extra;
  private final Map<String, LoraAdapter> lora = new LinkedHashMap<>();
  private NDArray score;

  public TrainableModel(LlamaModel model) {
    this.model = model;
    this.extra = model.manager().newSubManager();
  }

  public LlamaModel model() {
    return model;
  }

  public LlamaConfig config() {
    return model.config();
  }

  public boolean hasLora() {
    return !lora.isEmpty();
  }

  public NDArray score() {
    return score;
  }

  /**
   * Adds a reward head initialised N(0, std) from {@code seed}, or with {@code init} weights
   * when given (a reward model read back).
   */
  public void addScoreHead(long seed, double std, float[] init) {
    int d = config().hiddenSize();
    float[] w = init;
    if (w == null) {
      w = new float[d];
      Random r = new Random(seed ^ 0x5C0E);
      for (int i = 0; i < d; i++) {
        w[i] = (float) (r.nextGaussian() * std);
      }
    }
    score = extra.create(w, new Shape(1, d));
    score.setName(SCORE);
  }

  /**
   * Puts LoRA adapters on {@code modules} of every layer: A uniform in +-1/sqrt(in) (PEFT's
   * Kaiming default) drawn from {@code seed}, B zero.
   */
  public void addLora(List<String> modules, int rank, double alpha, double dropout, long seed) {
    Random r = new Random(seed ^ 0x10A);
    List<String> present = modulesOf(modules, config().variant().fusedQkv());
    for (int l = 0; l < config().numHiddenLayers(); l++) {
      for (String m : present) {
        String weight = weightName(l, m);
        NDArray w = model.parameter(weight);
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        float bound = (float) (1 / Math.sqrt(in));
        float[] av = new float[Math.toIntExact(rank * in)];
        for (int i = 0; i < av.length; i++) {
          av[i] = (r.nextFloat() * 2 - 1) * bound;
        }
        NDArray a = extra.create(av, new Shape(rank, in));
        NDArray b = extra.zeros(new Shape(out, rank));
        LoraAdapter adapter = new LoraAdapter(a, b, alpha, dropout);
        lora.put(weight, adapter);
        model.setAdapter(weight, adapter);
      }
    }
  }

  /**
   * The modules a model has for the requested ones, in order, without repeats: Phi-3's fused
   * qkv_proj stands for q_proj, k_proj and v_proj and gate_up_proj for gate_proj and up_proj
   * (and the other way round for a model with separate projections).
   */
  static List<String> modulesOf(List<String> requested, boolean fused) {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (String m : requested) {
      switch (m) {
        case "q_proj", "k_proj", "v_proj" -> {
          if (fused) {
            out.add("qkv_proj");
          } else {
            out.add(m);
          }
        }
        case "gate_proj", "up_proj" -> out.add(fused ? "gate_up_proj" : m);
        case "qkv_proj" -> {
          if (fused) {
            out.add(m);
          } else {
            out.addAll(List.of("q_proj", "k_proj", "v_proj"));
          }
        }
        case "gate_up_proj" -> {
          if (fused) {
            out.add(m);
          } else {
            out.addAll(List.of("gate_proj", "up_proj"));
          }
        }
        default -> out.add(m);
      }
    }
    return List.copyOf(out);
  }

  /** The HF weight name of {@code module} (q_proj, ..., down_proj) in layer {@code l}. */
  public static String weightName(int l, String module) {
    String block = module.endsWith("_proj") && (module.startsWith("gate") || module.startsWith("up")
        || module.startsWith("down")) ? "mlp." : "self_attn.";
    return "model.layers." + l + "." + block + module + ".weight";
  }

  /** PEFT's names of an adapter's two matrices. */
  public static String peftName(String weight, String which) {
    String module = weight.substring(0, weight.length() - ".weight".length());
    return PEFT_PREFIX + module + ".lora_" + which + ".weight";
  }

  /**
   * The arrays that train, by name: LoRA A/B (PEFT names) and the head when adapters are on,
   * else every model weight and the head.
   */
  public Map<String, NDArray> trainable() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    if (hasLora()) {
      for (var e : lora.entrySet()) {
        out.put(peftName(e.getKey(), "A"), e.getValue().a());
        out.put(peftName(e.getKey(), "B"), e.getValue().b());
      }
    } else {
      if (model.halfWeights()) {
        model.widenToFloat32(); // full training updates the weights: float32 values and moments
      }
      out.putAll(model.parameters());
    }
    if (score != null) {
      out.put(SCORE, score);
    }
    return out;
  }

  /** Turns gradient recording on for the trainable arrays and dropout on for adapters. */
  public void setTraining(boolean training) {
    for (NDArray a : trainable().values()) {
      if (a.hasGradient() != training) {
        a.setRequiresGradient(training);
      }
    }
    for (LoraAdapter a : lora.values()) {
      a.setTraining(training);
    }
  }

  /** Copies saved values into the trainable arrays (names as {@link #trainable()} gives). */
  public void loadTrainable(Map<String, Tensor> saved, String source) {
    for (var e : trainable().entrySet()) {
      Tensor t = saved.get(e.getKey());
      if (t == null) {
        throw new TemperException(source + ": tensor '" + e.getKey() + "' is missing");
      }
      if (!new Shape(t.shape()).equals(e.getValue().getShape())) {
        throw new TemperException(source + ": tensor '" + e.getKey() + "' has shape "
            + new Shape(t.shape()) + ", expected " + e.getValue().getShape());
      }
      boolean grad = e.getValue().hasGradient();
      if (grad) {
        e.getValue().setRequiresGradient(false);
      }
      e.getValue().set(t.data());
      if (grad) {
        e.getValue().setRequiresGradient(true);
      }
    }
  }

  /**
   * The weights to save as a Hugging Face model: every model weight with its adapter merged,
   * W + (alpha / r) B A, plus the reward head. The model's weights are computed as they are
   * written ({@link Tensor#computed}), a block of rows at a time from native memory, widened
   * to float32 and merged there: no Java copy of the whole model is made (a 0.5B model's
   * would take 2 GB of heap, a 1.2B model's 5 GB, more than a 16 GB machine's default heap).
   * They read the weights as they are when written.
   */
  public StateDict mergedStateDict() {
    StateDict sd = new StateDict();
    for (var e : model.parameters().entrySet()) {
      LinearAdapter a = lora.get(e.getKey());
      NDArray w = e.getValue();
      sd.put(e.getKey(), Tensor.computed(w.getShape().getShape(),
          (maxValues, sink) -> merged(w, a, maxValues, sink)));
    }
    if (score != null) {
      sd.put(SCORE, tensor(score));
    }
    return sd;
  }

  /** W (+ the adapter's delta) as float32, in blocks of at most {@code maxValues} (rows). */
  private static void merged(NDArray w, LinearAdapter a, long maxValues,
      java.util.function.Consumer<float[]> sink) {
    Shape shape = w.getShape();
    long rows = shape.dimension() == 0 ? 1 : shape.get(0);
    long cols = Math.max(1, shape.size() / Math.max(1, rows));
    long per = Math.max(1, maxValues / cols);
    try (ai.temper.engine.NoGrad ng = ai.temper.engine.NoGrad.enter();
        ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      if (shape.dimension() == 0 || per >= rows) {
        sink.accept(values(w, a == null ? null : a.weightDelta()));
        return;
      }
      NDArray delta = a == null ? null : a.weightDelta();
      for (long r = 0; r < rows; r += per) {
        long end = Math.min(rows, r + per);
        try (ai.djl.ndarray.NDScope block = new ai.djl.ndarray.NDScope()) {
          sink.accept(values(rowsOf(w, r, end), delta == null ? null : rowsOf(delta, r, end)));
        }
      }
    }
  }

  private static NDArray rowsOf(NDArray a, long from, long to) {
    return ai.djl.pytorch.jni.JniUtils.slice((ai.djl.pytorch.engine.PtNDArray) a, 0, from, to,
        1);
  }

  /** w (+ delta) as float32 values, summed in float32 as the merge always did. */
  private static float[] values(NDArray w, NDArray delta) {
    NDArray wide = w.toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
    return (delta == null ? wide : wide.add(delta)).toFloatArray();
  }

  /** The adapters (and head) alone, PEFT-named, for adapter_model.safetensors. */
  public Map<String, Tensor> adapterTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : trainable().entrySet()) {
      out.put(e.getKey().equals(SCORE) ? PEFT_PREFIX + SCORE : e.getKey(), tensor(e.getValue()));
    }
    return out;
  }

  /** Values of the trainable arrays (the RL trainer's reference copy). */
  public Map<String, Tensor> trainableTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : trainable().entrySet()) {
      out.put(e.getKey(), tensor(e.getValue()));
    }
    return out;
  }

  static Tensor tensor(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
  }

  @Override
  public void close() {
    extra.close();
    model.close();
  }
}
