package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.NewExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TRL's unpaired preference data (KTO rows: prompt, completion, label) made into preference
 * pairs for DPO and reward models: for each prompt, in the dataset's order, the i-th
 * desirable completion ({@code label: true}) is paired with the i-th undesirable one;
 * completions left without a partner are counted, not used. The new dataset's provenance
 * records the source and the counts.
 */
public final class UnpairedPairing {
  /** What pairing made: the new dataset, pairs, and completions left without a partner. */
  public record Result(DatasetInfo dataset, long pairs, long unmatched, long prompts) {}

  private final Database db;

  public UnpairedPairing(Database db) {
    this.db = db;
  }

  public Result pair(String source, String name, JobContext ctx) {
    Datasets.checkName(name);
    DatasetInfo d = Datasets.require(db, source);
    DatasetRepository repo = db.datasets();
    if (repo.find(name).isPresent()) {
      throw new TemperException("A dataset named '" + name + "' exists already");
    }
    // prompt (as JSON) -> [desirable completions, undesirable completions]
    Map<String, List<List<Message>>[]> byPrompt = new LinkedHashMap<>();
    Map<String, List<Message>> prompts = new LinkedHashMap<>();
    long[] seen = {0};
    repo.forEach(d.id(), 1000, page -> page.forEach(row -> {
      Example e = Datasets.parse(d, row);
      JsonNode label = e.meta() == null ? null : e.meta().get("label");
      if (e.kind() != DatasetKind.MESSAGES || label == null || !label.isBoolean()) {
        throw new TemperException("Dataset '" + source + "' row " + row.idx() + " is not an "
            + "unpaired preference row (prompt, completion, label: true or false)");
      }
      List<Message> m = e.messages();
      int split = m.size();
      while (split > 0 && m.get(split - 1).role().equals("assistant")) {
        split--;
      }
      List<Message> prompt = m.subList(0, split);
      String key = Example.messagesJson(prompt).toString();
      prompts.putIfAbsent(key, prompt);
      @SuppressWarnings("unchecked")
      List<List<Message>>[] sides = byPrompt.computeIfAbsent(key,
          k -> new List[] {new ArrayList<>(), new ArrayList<>()});
      sides[label.asBoolean() ? 0 : 1].add(m.subList(split, m.size()));
      seen[0]++;
    }));
    List<Example> pairs = new ArrayList<>();
    long unmatched = 0;
    for (var e : byPrompt.entrySet()) {
      List<List<Message>> good = e.getValue()[0];
      List<List<Message>> bad = e.getValue()[1];
      int n = Math.min(good.size(), bad.size());
      for (int i = 0; i < n; i++) {
        pairs.add(Example.preference(prompts.get(e.getKey()), good.get(i), bad.get(i)));
      }
      unmatched += good.size() + bad.size() - 2L * n;
    }
    if (pairs.isEmpty()) {
      throw new TemperException("Dataset '" + source + "' has no prompt with both a desirable "
          + "and an undesirable completion: nothing to pair");
    }
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("operation", "pair-unpaired");
    p.put("source", source);
    p.put("rows", seen[0]);
    p.put("pairs", pairs.size());
    p.put("unmatched", unmatched);
    p.put("created_at", Instant.now().toString());
    long finalUnmatched = unmatched;
    DatasetInfo info = db.sql().inTransaction(c -> {
      long id = repo.create(name, DatasetKind.PREFERENCE.id(), "pair", null, null, null);
      List<NewExample> batch = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i++) {
        Example e = pairs.get(i);
        batch.add(new NewExample(i, e.toJsonString(), e.searchText(), e.contentHash(), null));
        if (batch.size() == 1000) {
          repo.insertExamples(id, batch);
          batch.clear();
          ctx.checkCancelled();
        }
      }
      repo.insertExamples(id, batch);
      repo.finish(id, pairs.size(), p.toString());
      return repo.find(id).orElseThrow();
    });
    return new Result(info, pairs.size(), finalUnmatched, byPrompt.size());
  }
}
