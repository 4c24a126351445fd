package ai.temper.engine.annotate;

import ai.temper.engine.TemperException;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ModelCache;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a session's pairs come from: the pairs of a preference dataset, two models answering
 * the same prompts now, or one model sampled twice (on-policy pairs, as Tulu 3 builds its
 * preference data). Pairs are made once, when the session is created.
 */
public final class PairSources {
  private PairSources() {}

  /** The first {@code limit} pairs of a preference dataset (0: all); a is chosen, b rejected. */
  public static List<NewPair> fromDataset(Database db, String dataset, int limit) {
    DatasetInfo d = Datasets.require(db, dataset);
    if (Datasets.kind(d) != DatasetKind.PREFERENCE) {
      throw new TemperException("Dataset '" + dataset + "' holds " + d.kind()
          + " examples; a session's pairs come from a preference dataset");
    }
    List<NewPair> out = new ArrayList<>();
    long n = limit > 0 ? Math.min(limit, d.rowCount()) : d.rowCount();
    for (long from = 0; from < n; from += 500) {
      for (StoredExample e : db.datasets().page(d.id(), from, (int) Math.min(500, n - from))) {
        Example ex = Datasets.parse(d, e);
        String prompt = promptText(ex.prompt());
        String a = text(ex.chosen());
        String b = text(ex.rejected());
        out.add(new NewPair(out.size(), prompt, a, b, dataset + ":chosen",
            dataset + ":rejected", Annotations.pairHash(prompt, a, b)));
      }
    }
    if (out.isEmpty()) {
      throw new TemperException("Dataset '" + dataset + "' has no pairs");
    }
    return out;
  }

  /** A prompt's turns as one text: a single user turn as it is, else "role: content" lines. */
  static String promptText(List<Message> turns) {
    if (turns.size() == 1 && turns.get(0).role().equals("user")) {
      return turns.get(0).content();
    }
    StringBuilder sb = new StringBuilder();
    for (Message m : turns) {
      if (sb.length() > 0) {
        sb.append("\n\n");
      }
      sb.append(m.role()).append(": ").append(m.content());
    }
    return sb.toString();
  }

  static String text(List<Message> turns) {
    if (turns.size() == 1) {
      return turns.get(0).content();
    }
    return promptText(turns);
  }

  /**
   * Prompts from a file (a text file: one prompt per non-empty line; a .jsonl file: a
   * "prompt" string or a "messages" list, whose last user turn is taken) or, when no such
   * file exists, from a dataset of that name (each example's prompt text).
   */
  public static List<String> prompts(Database db, String fileOrDataset, int limit) {
    Path file = Path.of(fileOrDataset);
    List<String> out = new ArrayList<>();
    if (Files.isRegularFile(file)) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file);
      } catch (IOException e) {
        throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
      }
      boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
      for (int i = 0; i < lines.size() && (limit <= 0 || out.size() < limit); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty()) {
          continue;
        }
        out.add(jsonl ? jsonPrompt(file, i + 1, line) : line);
      }
    } else {
      DatasetInfo d = db.datasets().find(fileOrDataset).orElseThrow(() -> new TemperException(
          "No prompt file or dataset named '" + fileOrDataset + "'"));
      long n = limit > 0 ? Math.min(limit, d.rowCount()) : d.rowCount();
      for (StoredExample e : db.datasets().page(d.id(), 0, (int) n)) {
        out.add(Datasets.parse(d, e).promptText());
      }
    }
    if (out.isEmpty()) {
      throw new TemperException("No prompts in " + fileOrDataset);
    }
    return out;
  }

  private static String jsonPrompt(Path file, int line, String text) {
    try {
      JsonNode n = Annotations.JSON.readTree(text);
      if (n.path("prompt").isTextual()) {
        return n.get("prompt").asText();
      }
      JsonNode msgs = n.path("messages");
      for (int i = msgs.size() - 1; i >= 0; i--) {
        if ("user".equals(msgs.get(i).path("role").asText())) {
          return msgs.get(i).path("content").asText();
        }
      }
      throw new TemperException(file + " line " + line + ": no 'prompt' string or user turn "
          + "in 'messages'");
    } catch (IOException e) {
      throw new TemperException(file + " line " + line + ": not JSON: " + e.getMessage(), e);
    }
  }

  /** A model to answer with: its path and tokenizer (null: the model's own). */
  public record ModelRef(Path model, Path tokenizer) {}

  /**
   * Two models answer every prompt (a: the first, b: the second); with the same model twice,
   * the two answers are two samples of different seeds (temperature must then be above 0).
   */
  public static List<NewPair> generate(List<String> prompts, ModelRef first, ModelRef second,
      SamplingParams params, JobContext ctx) {
    boolean sameModel = first.equals(second);
    if (sameModel && params.temperature() == 0) {
      throw new TemperException("Sampling one model twice needs a temperature above 0 "
          + "(greedy decoding would give the same answer twice)");
    }
    long seed = params.seed() == null ? 0 : params.seed();
    List<String> a;
    List<String> b;
    try (ModelCache cache = new ModelCache(2)) {
      a = answers(cache, first, prompts, params.withSeed(seed), ctx, "a");
      b = answers(cache, second, prompts, params.withSeed(seed + 1_000_003L), ctx, "b");
    }
    String sa = first.model().toString() + (sameModel ? "#sample1" : "");
    String sb = second.model().toString() + (sameModel ? "#sample2" : "");
    List<NewPair> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      out.add(new NewPair(i, prompts.get(i), a.get(i), b.get(i), sa, sb,
          Annotations.pairHash(prompts.get(i), a.get(i), b.get(i))));
    }
    return out;
  }

  private static List<String> answers(ModelCache cache, ModelRef ref, List<String> prompts,
      SamplingParams params, JobContext ctx, String side) {
    try (ModelCache.Lease lease = cache.acquire(ref.model(), ref.tokenizer(), ctx)) {
      LoadedModel m = lease.model();
      List<int[]> ids = new ArrayList<>();
      for (String p : prompts) {
        ids.add(ChatEngine.promptIds(m, List.of(ChatMessage.user(p))));
      }
      SamplingParams withStops = params.withStopStrings(
          ChatEngine.templateStops(ChatEngine.templateFor(m)));
      Generator g = new Generator(m.model(), m.tokenizer()).maxBatch(8);
      List<String> out = new ArrayList<>();
      int[] done = {0};
      for (int from = 0; from < ids.size(); from += 8) {
        ctx.checkCancelled();
        List<int[]> chunk = ids.subList(from, Math.min(ids.size(), from + 8));
        for (Generation gen : g.generateIds(chunk, withStops.withSeed(params.seed() + from),
            (row, id, piece) -> !ctx.isCancelled())) {
          out.add(gen.completion().strip());
          done[0]++;
        }
        ctx.progress((double) done[0] / ids.size(), "answers " + side + ": " + done[0] + "/"
            + ids.size());
      }
      return out;
    }
  }
}
