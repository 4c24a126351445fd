package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N-gram decontamination after Tulu 3. Every evaluation instance (its prompt: the user turns,
 * see {@link Example#promptText()}) is cut into word n-grams, hashed into an {@link NgramIndex}.
 * Each training example (all its text, answers included) is then scored against the index: a
 * word of an evaluation instance counts as matched when an n-gram containing it also occurs in
 * the training example, and the score is the largest fraction of matched words over the
 * evaluation instances it touches. Examples scoring at or above the threshold are flagged;
 * the cleaned copy leaves them out. Evaluation instances shorter than n words cannot match
 * and are counted as skipped.
 */
public final class Decontaminator {
  /** n (words per n-gram) and the flagging threshold on the score. */
  public record Settings(int n, double threshold) {
    public static final Settings DEFAULT = new Settings(8, 0.5);

    public Settings {
      if (n < 1) {
        throw new TemperException("--ngram must be at least 1 (was " + n + ")");
      }
      if (!(threshold > 0 && threshold <= 1)) {
        throw new TemperException("--threshold must be in (0, 1] (was " + threshold + ")");
      }
    }
  }

  /**
   * A flagged training example and the evaluation instance it matches best.
   *
   * @param spans the runs of matched words in the evaluation instance: the shared n-grams,
   *     overlapping ones merged
   */
  public record Match(long trainIdx, String evalDataset, long evalIdx, double score,
      List<String> spans, String evalText) {}

  /**
   * The outcome: flagged examples (all of them, in training order), the contamination rate
   * (flagged / examples), per evaluation set the instances that some example matched, and the
   * cleaned dataset when one was asked for.
   */
  public record Result(String dataset, long examples, long flagged, double rate,
      List<Match> matches, Map<String, Long> evalInstancesHit, long evalInstances,
      long evalSkippedShort, Settings settings, DatasetInfo cleaned, double seconds) {}

  private final Database db;

  public Decontaminator(Database db) {
    this.db = db;
  }

  /**
   * Scores {@code train} against {@code evalSets}; when {@code cleanedName} is not null, also
   * writes the cleaned copy under that name.
   */
  public Result run(String train, List<String> evalSets, Settings settings, String cleanedName,
      JobContext ctx) {
    long started = System.nanoTime();
    if (evalSets.isEmpty()) {
      throw new TemperException("Name at least one evaluation set (--against)");
    }
    DatasetRepository repo = db.datasets();
    DatasetInfo trainInfo = Datasets.require(db, train);
    if (cleanedName != null) {
      Datasets.requireFree(db, cleanedName);
    }
    List<DatasetInfo> evals = new ArrayList<>();
    for (String e : evalSets) {
      evals.add(Datasets.require(db, e));
    }

    // 1. index the evaluation prompts
    NgramIndex index = new NgramIndex(settings.n());
    List<String> evalTexts = new ArrayList<>();
    List<int[]> evalRefs = new ArrayList<>(); // {eval set, idx}
    List<Integer> evalLengths = new ArrayList<>();
    long[] skipped = {0};
    long evalTotal = evals.stream().mapToLong(DatasetInfo::rowCount).sum();
    for (int s = 0; s < evals.size(); s++) {
      DatasetInfo d = evals.get(s);
      int set = s;
      repo.forEach(d.id(), 1000, page -> {
        for (StoredExample e : page) {
          String text = Datasets.parse(d, e).promptText();
          long[] words = Ngrams.wordHashes(text);
          if (words.length < settings.n()) {
            skipped[0]++;
            continue;
          }
          int doc = evalTexts.size();
          evalTexts.add(text);
          evalRefs.add(new int[] {set, (int) e.idx()});
          evalLengths.add(words.length);
          index.add(doc, words);
        }
        ctx.checkCancelled();
        ctx.progress(0.1 * evalTexts.size() / Math.max(1, evalTotal),
            String.format("indexed %,d evaluation instances", evalTexts.size()));
      });
    }
    int[] lengths = evalLengths.stream().mapToInt(Integer::intValue).toArray();

    // 2. score every training example against the index
    List<Match> matches = new ArrayList<>();
    BitSet flaggedIdx = new BitSet();
    Map<Integer, Boolean> hitDocs = new HashMap<>();
    long[] seen = {0};
    Map<Integer, BitSet> covered = new HashMap<>();
    repo.forEach(trainInfo.id(), 1000, page -> {
      for (StoredExample e : page) {
        long[] words = Ngrams.wordHashes(Datasets.parse(trainInfo, e).allText());
        covered.clear();
        int n = settings.n();
        for (int p = 0; p + n <= words.length; p++) {
          for (int q = index.first(Ngrams.hash(words, p, n)); q >= 0; q = index.next(q)) {
            int start = index.pos(q);
            covered.computeIfAbsent(index.doc(q), k -> new BitSet()).set(start, start + n);
          }
        }
        int best = -1;
        double bestScore = 0;
        for (Map.Entry<Integer, BitSet> c : covered.entrySet()) {
          double score = c.getValue().cardinality() / (double) lengths[c.getKey()];
          if (score > bestScore || score == bestScore && c.getKey() < best) {
            bestScore = score;
            best = c.getKey();
          }
        }
        if (best >= 0 && bestScore >= settings.threshold()) {
          flaggedIdx.set((int) e.idx());
          hitDocs.put(best, true);
          for (Map.Entry<Integer, BitSet> c : covered.entrySet()) {
            if (c.getValue().cardinality() / (double) lengths[c.getKey()]
                >= settings.threshold()) {
              hitDocs.put(c.getKey(), true);
            }
          }
          int[] ref = evalRefs.get(best);
          String evalText = evalTexts.get(best);
          matches.add(new Match(e.idx(), evals.get(ref[0]).name(), ref[1], bestScore,
              spans(Ngrams.words(evalText), covered.get(best)), evalText));
        }
      }
      seen[0] += page.size();
      ctx.checkCancelled();
      ctx.progress(0.1 + 0.8 * seen[0] / Math.max(1, trainInfo.rowCount()),
          String.format("scored %,d of %,d examples, %,d flagged", seen[0],
              trainInfo.rowCount(), matches.size()));
    });

    Map<String, Long> hits = new LinkedHashMap<>();
    for (DatasetInfo d : evals) {
      hits.put(d.name(), 0L);
    }
    for (int doc : hitDocs.keySet()) {
      hits.merge(evals.get(evalRefs.get(doc)[0]).name(), 1L, Long::sum);
    }
    long total = trainInfo.rowCount();
    double rate = total == 0 ? 0 : matches.size() / (double) total;

    DatasetInfo cleaned = null;
    if (cleanedName != null) {
      ObjectNode provenance = provenance(trainInfo, evals, settings, matches, rate, total);
      cleaned = db.sql().inTransaction(c -> {
        long id = repo.create(cleanedName, trainInfo.kind(), "decontaminate", null, null, null);
        List<long[]> batch = new ArrayList<>(1000);
        long next = 0;
        for (long i = 0; i < total; i++) {
          if (!flaggedIdx.get((int) i)) {
            batch.add(new long[] {next++, trainInfo.id(), i});
          }
          if (batch.size() == 1000 || i == total - 1) {
            repo.copyExamples(id, batch);
            batch.clear();
            ctx.checkCancelled();
            ctx.progress(0.9 + 0.1 * (i + 1) / total, "writing the cleaned copy");
          }
        }
        repo.finish(id, next, provenance.toString());
        return repo.find(id).orElseThrow();
      });
    }
    ctx.progress(1, String.format("%,d of %,d flagged", matches.size(), total));
    return new Result(trainInfo.name(), total, matches.size(), rate, matches, hits,
        evalTexts.size() + skipped[0], skipped[0], settings, cleaned,
        (System.nanoTime() - started) / 1e9);
  }

  /** Runs of consecutive matched words, as text. */
  static List<String> spans(List<String> words, BitSet matched) {
    List<String> out = new ArrayList<>();
    int i = matched.nextSetBit(0);
    while (i >= 0 && i < words.size()) {
      int end = matched.nextClearBit(i);
      out.add(String.join(" ", words.subList(i, Math.min(end, words.size()))));
      i = matched.nextSetBit(end);
    }
    return out;
  }

  private static ObjectNode provenance(DatasetInfo train, List<DatasetInfo> evals,
      Settings settings, List<Match> matches, double rate, long total) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("operation", "decontaminate");
    p.put("source", train.name());
    p.put("source_id", train.id());
    ArrayNode against = p.putArray("against");
    evals.forEach(e -> against.add(e.name()));
    p.put("ngram", settings.n());
    p.put("threshold", settings.threshold());
    p.put("examples", total);
    p.put("removed", matches.size());
    p.put("rate", rate);
    ArrayNode m = p.putArray("matches");
    for (Match x : matches.subList(0, Math.min(1000, matches.size()))) {
      ObjectNode o = m.addObject();
      o.put("train_idx", x.trainIdx()).put("eval", x.evalDataset()).put("eval_idx", x.evalIdx())
          .put("score", Math.round(x.score() * 1e4) / 1e4);
      ArrayNode spans = o.putArray("shared");
      x.spans().forEach(spans::add);
    }
    p.put("created_at", Instant.now().toString());
    return p;
  }
}
