package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.Json;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.DecodeSession;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.hf.DType;
import ai.temper.engine.model.hf.HfCheckpoint;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Peak resident memory of real uses of real model shapes: greedy chat decoding and LoRA
 * training (batch 4 x 512) on random-weight folders shaped like Qwen2.5-0.5B and
 * Llama-3.2-1B (their published config.json, weights as bfloat16 safetensors like the real
 * ones). Each case runs in a fresh JVM ({@link #main}) that reports its own VmHWM, so one case
 * never inherits another's heap or native pools.
 */
public final class MemoryBenchmark {
  private static final ObjectMapper JSON = Json.MAPPER;

  /** A published model shape and its memory targets (bytes). */
  public enum ModelShape {
    QWEN2_5_0_5B("qwen2.5-0.5b", "0.5B", 2_500_000_000L, 6_000_000_000L, """
        {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
         "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
         "hidden_size": 896, "initializer_range": 0.02, "intermediate_size": 4864,
         "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2",
         "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
         "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
         "tie_word_embeddings": true, "torch_dtype": "bfloat16",
         "transformers_version": "4.40.1", "use_cache": true, "use_sliding_window": false,
         "vocab_size": 151936}
        """),
    LLAMA3_2_1B("llama3.2-1b", "1.2B", 4_000_000_000L, 12_000_000_000L, """
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false,
         "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001,
         "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
         "initializer_range": 0.02, "intermediate_size": 8192,
         "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
         "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05,
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
           "original_max_position_embeddings": 8192, "rope_type": "llama3"},
         "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
         "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256}
        """);

    public final String id;
    public final String size;
    public final long generateTarget;
    public final long loraTarget;
    final String configJson;

    ModelShape(String id, String size, long generateTarget, long loraTarget, String config) {
      this.id = id;
      this.size = size;
      this.generateTarget = generateTarget;
      this.loraTarget = loraTarget;
      this.configJson = config;
    }
  }

  /** What a case does: decode, or LoRA-train with or without gradient checkpointing. */
  public enum Use { GENERATE, LORA, LORA_CHECKPOINTED }

  /** The training batch of the LoRA cases. */
  public static final int BATCH = 4;
  public static final int SEQUENCE = 512;

  private MemoryBenchmark() {}

  /**
   * The random-weight folder of {@code shape} under {@code cacheDir}, written on first use
   * (config.json, model.safetensors as BF16, no tokenizer: the cases feed token ids). The
   * weights stream to disk one tensor at a time; the folder appears complete or not at all.
   */
  public static Path folder(ModelShape shape, Path cacheDir) {
    Path dir = cacheDir.resolve(shape.id);
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    Path tmp = cacheDir.resolve(shape.id + ".partial");
    try {
      Files.createDirectories(tmp);
      Path cfg = tmp.resolve(HfCheckpoint.CONFIG);
      Files.writeString(cfg, JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsString(JSON.readTree(shape.configJson)));
      LlamaConfig c = LlamaConfig.read(cfg);
      writeRandomBf16(tmp.resolve("model.safetensors"), LlamaModel.parameterShapes(c), 13);
      if (Files.exists(dir)) {
        throw new TemperException(dir + ": exists but has no model.safetensors; remove it");
      }
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new TemperException(tmp + ": cannot write the benchmark model: " + e.getMessage(), e);
    }
  }

  /**
   * Writes random weights as BF16 safetensors: norm gains near 1, the rest uniform with
   * standard deviation 0.02 (the published initializer_range), streamed in chunks.
   */
  static void writeRandomBf16(Path file, Map<String, long[]> shapes, long seed)
      throws IOException {
    Map<String, long[]> sorted = new TreeMap<>(shapes);
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (var e : sorted.entrySet()) {
      long n = numel(e.getValue());
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", DType.BF16.name());
      var shape = t.putArray("shape");
      for (long s : e.getValue()) {
        shape.add(s);
      }
      t.putArray("data_offsets").add(offset).add(offset + 2 * n);
      offset += 2 * n;
    }
    byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    ByteBuffer buf = ByteBuffer.allocate(8 << 20).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(seed);
    float bound = (float) (0.02 * Math.sqrt(3));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(padded).put(h);
      while (head.position() < head.capacity()) {
        head.put((byte) ' ');
      }
      head.flip();
      ch.write(head);
      for (var e : sorted.entrySet()) {
        boolean norm = e.getKey().endsWith("norm.weight");
        long n = numel(e.getValue());
        for (long i = 0; i < n; i++) {
          float u = (float) (r.nextDouble() * 2 - 1);
          float v = norm ? 1f + 0.1f * u : bound * u;
          buf.putShort(DType.floatToBf16(v));
          if (!buf.hasRemaining()) {
            buf.flip();
            ch.write(buf);
            buf.clear();
          }
        }
      }
      buf.flip();
      ch.write(buf);
    }
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /**
   * Runs one case in this JVM and returns what it did, for the line the child prints:
   * GENERATE loads the folder, prefills a {@code prompt}-token prompt and decodes
   * {@code tokens} tokens greedily; LORA loads it and runs {@code steps} LoRA (rank 8, the
   * default modules) SFT steps on random batches of 4 x 512.
   */
  public static String runCase(Path folder, Use use, int prompt, int tokens, int steps) {
    TorchRuntime.configure(null);
    Checkpoint ckpt = HfCheckpoint.read(folder);
    LlamaModel model = LlamaModel.create(ckpt);
    if (ckpt.tokenizer() != null) {
      ckpt.tokenizer().close();
    }
    LlamaConfig c = model.config();
    if (use == Use.GENERATE) {
      try (model; NoGrad ng = NoGrad.enter(); NDManager nd = Devices.newManager();
          DecodeSession s = model.newSession(1, prompt + tokens)) {
        int[] ids = new int[prompt];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < prompt; i++) {
          ids[i] = r.nextInt(c.vocabSize());
        }
        NDArray logits = s.prefill(new int[][] {ids}, null, nd, false);
        long start = System.nanoTime();
        for (int i = 0; i < tokens; i++) {
          int next = (int) logits.argMax(-1).toLongArray()[0];
          logits.close();
          logits = s.step(new int[] {next}, nd);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return String.format(java.util.Locale.ROOT, "decoded %d tokens after a %d-token prompt,"
            + " %.1f tokens/s", tokens, prompt, tokens / secs);
      }
    }
    boolean ckpting = use == Use.LORA_CHECKPOINTED;
    model.setGradientCheckpointing(ckpting);
    TrainBenchmark.Result res = new TrainBenchmark().warmup(0).steps(steps)
        .run(folder.getFileName().toString(), model, true, BATCH, SEQUENCE);
    return String.format(java.util.Locale.ROOT, "%d LoRA steps of %d x %d%s, median %.1f s",
        steps, BATCH, SEQUENCE, ckpting ? " with gradient checkpointing" : "",
        res.medianMs() / 1e3);
  }

  /** This process's peak resident set (VmHWM) in bytes, or -1 where /proc is absent. */
  public static long peakResidentBytes() {
    return procStatus("VmHWM:");
  }

  /** This process's current resident set (VmRSS) in bytes, or -1. */
  public static long residentBytes() {
    return procStatus("VmRSS:");
  }

  static long procStatus(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /**
   * The child process: {@code FOLDER USE PROMPT TOKENS STEPS}. Prints one line
   * {@code peak_rss_bytes N | what it did} on stdout; errors on stderr with exit status 1.
   */
  public static void main(String[] args) {
    try {
      String what = runCase(Path.of(args[0]), Use.valueOf(args[1]), Integer.parseInt(args[2]),
          Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      System.out.println("peak_rss_bytes " + peakResidentBytes() + " | " + what);
      System.out.flush();
      System.exit(0);
    } catch (RuntimeException | OutOfMemoryError e) {
      System.err.println("memory case failed: " + e);
      System.exit(1);
    }
  }
}
