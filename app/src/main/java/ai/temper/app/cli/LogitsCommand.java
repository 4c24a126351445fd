package ai.temper.app.cli;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.ReferenceLlama;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code temper logits}: a model's logits for a prompt and its greedy continuation, computed
 * by the plain-Java reference forward pass, to compare with transformers
 * ({@code samples/tools/check_hf_dir.py DIR --compare FILE}). Hidden: a checking tool.
 */
@Command(name = "logits", hidden = true, mixinStandardHelpOptions = true,
    description = "Print a model's logits for a prompt (reference forward pass) and optionally "
        + "write them as JSON for samples/tools/check_hf_dir.py --compare.")
public final class LogitsCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Hugging Face model directory.")
  Path model;

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
    Checkpoint ck = HfCheckpoint.read(model);
    try (Tokenizer tok = ck.tokenizer()) {
      if (tok == null) {
        throw new TemperException(model + ": no tokenizer (tokenizer.json is missing)");
      }
      int[] ids = tok.encode(prompt, true);
      if (ids.length == 0) {
        throw new TemperException("the prompt encodes to no tokens");
      }
      float[][] logits = ReferenceLlama.logits(ck.config(), ck.weights(), ids);
      Set<Integer> stops = new LinkedHashSet<>(tok.stopIds());
      if (tok.eosId() >= 0) {
        stops.add(tok.eosId());
      }
      int[] greedy = ReferenceLlama.greedy(ck.config(), ck.weights(), ids,
          ids.length + maxNewTokens, stops);
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
        Files.writeString(out, new ObjectMapper().writeValueAsString(json));
        System.err.println("wrote " + out);
      }
    }
    return 0;
  }
}
