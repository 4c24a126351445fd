package ai.temper.app.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.temper.engine.Devices;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code temper logits}: a model's logits for a prompt and its greedy continuation, to compare
 * with transformers ({@code samples/tools/check_hf_dir.py DIR --compare FILE}), computed by
 * the engine's model (one full forward pass for the logits, the generator for the greedy
 * tokens). The tests hold an independent plain-Java forward to check the same numbers.
 * Hidden: a checking tool.
 */
@Command(name = "logits", hidden = true, mixinStandardHelpOptions = true,
    description = "Print a model's logits for a prompt and optionally "
        + "write them as JSON for samples/tools/check_hf_dir.py --compare.")
public final class LogitsCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "PATH",
      description = "Hugging Face model directory or llama2.c checkpoint.")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer file for llama2.c checkpoints.")
  Path tokenizer;

  @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "Once upon a time",
      description = "Prompt (default: ${DEFAULT-VALUE}).")
  String prompt;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32",
      description = "Greedy tokens to generate after the prompt (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--top", paramLabel = "K", defaultValue = "5",
      description = "How many of the largest last-position logits to print.")
  int top;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write {ids, logits, greedy} as JSON.")
  Path out;

  @Override
  public Integer call() throws IOException {
    Checkpoint ck = ModelLoader.readCheckpoint(model, tokenizer);
    try (Tokenizer tok = ck.tokenizer()) {
      int[] ids = tok.encode(prompt, true);
      if (ids.length == 0) {
        throw new TemperException("the prompt encodes to no tokens");
      }
      float[][] logits;
      int[] greedy;
      try (LlamaModel m = LlamaModel.create(ck)) {
        logits = djlLogits(m, ids);
        greedy = engineGreedy(m, tok, ids, maxNewTokens);
      }
      System.out.println("prompt ids: " + Arrays.toString(ids));
      System.out.println("top logits at the last prompt position:");
      float[] last = logits[logits.length - 1];
      Integer[] order = new Integer[last.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(last[b], last[a]));
      for (int i = 0; i < Math.min(top, order.length); i++) {
        System.out.printf("  %7d %20s % .6f%n", order[i], "'" + tok.tokenText(order[i]) + "'",
            last[order[i]]);
      }
      System.out.println("greedy ids: " + Arrays.toString(greedy));
      System.out.println("greedy text: " + tok.decode(greedy));
      if (out != null) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ids", ids);
        json.put("logits", logits);
        json.put("greedy", greedy);
        Files.writeString(out, Json.MAPPER.writeValueAsString(json));
        System.err.println("wrote " + out);
      }
    }
    return 0;
  }

  /** Logits of every position from one full forward pass of the engine's model. */
  static float[][] djlLogits(LlamaModel m, int[] ids) {
    try (NDManager nm = Devices.newManager()) {
      long[] l = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        l[i] = ids[i];
      }
      NDArray x = nm.create(l, new Shape(1, ids.length));
      float[] flat = m.forward(x, null).toFloatArray();
      int v = flat.length / ids.length;
      float[][] out = new float[ids.length][];
      for (int t = 0; t < ids.length; t++) {
        out[t] = Arrays.copyOfRange(flat, t * v, (t + 1) * v);
      }
      return out;
    }
  }

  /** The prompt and its greedy continuation by the engine's generator (KV cache on). */
  static int[] engineGreedy(LlamaModel m, Tokenizer tok, int[] prompt, int maxNewTokens) {
    Generation g = new Generator(m, tok).generateIds(List.of(prompt),
        SamplingParams.greedy(maxNewTokens), TokenListener.NONE).get(0);
    int[] seq = Arrays.copyOf(prompt, prompt.length + g.completionIds().length);
    System.arraycopy(g.completionIds(), 0, seq, prompt.length, g.completionIds().length);
    return seq;
  }
}
