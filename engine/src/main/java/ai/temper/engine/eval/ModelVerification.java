package ai.temper.engine.eval;

import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.verify.Verification;
import ai.temper.engine.verify.Verifiers;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a model on RLVR rows ({@code messages}, {@code ground_truth}, {@code verifier}, as
 * the datasets store keeps them): each prompt rendered with the model's chat template (Tulu's
 * when it has none), {@code samples} completions generated per prompt, each verified. A row
 * whose messages end with an assistant turn (a GSM8K conversation) is prompted with the turns
 * before it. Rows without a verifier or ground truth are skipped and counted.
 */
public final class ModelVerification {
  /** Pass rate and mean score of one verifier. */
  public record Line(String verifier, int prompts, int completions, int passed, double meanScore) {
    public double passRate() {
      return completions == 0 ? 0 : (double) passed / completions;
    }
  }

  /** The result: totals, one line per verifier (sorted by name), rows skipped. */
  public record Report(int prompts, int completions, int passed, double meanScore,
      List<Line> verifiers, int skipped) {
    public double passRate() {
      return completions == 0 ? 0 : (double) passed / completions;
    }
  }

  private ModelVerification() {}

  /** Generates and verifies; {@code params} gives sampling and length. */
  public static Report run(LoadedModel model, List<JsonNode> rows, int samples,
      SamplingParams params, JobContext ctx) {
    ChatEncoder chat = new ChatEncoder(model.chatTemplate() != null
        ? ChatTemplate.of(model.chatTemplate(), bos(model), eos(model))
        : ChatTemplate.forTokenizer(model.tokenizer()), model.tokenizer());
    List<int[]> prompts = new ArrayList<>();
    List<JsonNode> used = new ArrayList<>();
    int skipped = 0;
    for (JsonNode row : rows) {
      String verifier = row.hasNonNull("verifier") ? row.get("verifier").asText() : null;
      String truth = row.hasNonNull("ground_truth") ? row.get("ground_truth").asText() : null;
      List<ChatMessage> messages = new ArrayList<>();
      for (JsonNode m : row.path("messages")) {
        messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
      }
      while (!messages.isEmpty() && messages.get(messages.size() - 1).isAssistant()) {
        messages.remove(messages.size() - 1);
      }
      if (verifier == null || truth == null || messages.isEmpty()
          || !Verifiers.isKnown(verifier)) {
        skipped++;
        continue;
      }
      int[] ids = chat.encodePrompt(messages);
      for (int s = 0; s < samples; s++) {
        prompts.add(ids);
      }
      used.add(row);
    }
    Generator generator = new Generator(model.model(), model.tokenizer()).maxBatch(16);
    Map<String, int[]> counts = new LinkedHashMap<>(); // prompts, completions, passed
    Map<String, Double> scores = new LinkedHashMap<>();
    int passed = 0;
    double scoreSum = 0;
    int batch = 16 * samples;
    for (int from = 0; from < prompts.size(); from += batch) {
      ctx.checkCancelled();
      ctx.progress((double) from / Math.max(1, prompts.size()), "generating "
          + from / samples + "/" + used.size() + " prompts");
      List<Generation> gens = generator.generateIds(
          prompts.subList(from, Math.min(prompts.size(), from + batch)),
          params.seed() == null ? params : params.withSeed(params.seed() + from),
          TokenListener.NONE);
      for (int i = 0; i < gens.size(); i++) {
        int k = from + i;
        JsonNode row = used.get(k / samples);
        String verifier = row.get("verifier").asText().toLowerCase(java.util.Locale.ROOT);
        Verification v = Verifiers.verify(verifier, row.get("ground_truth").asText(),
            gens.get(i).completion());
        int[] c = counts.computeIfAbsent(verifier, x -> new int[3]);
        if (k % samples == 0) {
          c[0]++;
        }
        c[1]++;
        c[2] += v.passed() ? 1 : 0;
        scores.merge(verifier, v.score(), Double::sum);
        passed += v.passed() ? 1 : 0;
        scoreSum += v.score();
      }
    }
    List<Line> lines = new ArrayList<>();
    counts.keySet().stream().sorted().forEach(name -> {
      int[] c = counts.get(name);
      lines.add(new Line(name, c[0], c[1], c[2], scores.get(name) / Math.max(1, c[1])));
    });
    return new Report(used.size(), prompts.size(), passed,
        scoreSum / Math.max(1, prompts.size()), lines, skipped);
  }

  private static String bos(LoadedModel m) {
    int id = m.tokenizer().bosId();
    return id < 0 ? "" : m.tokenizer().tokenText(id).strip();
  }

  private static String eos(LoadedModel m) {
    int id = m.tokenizer().eosId();
    return id < 0 ? "" : m.tokenizer().tokenText(id).strip();
  }
}
