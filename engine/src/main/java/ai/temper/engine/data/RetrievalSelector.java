package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Data selection by retrieval (data-efficient finetuning): for each target-task example, the
 * k nearest examples of a pool, compared on their prompts ({@link Example#promptText()}); the
 * union, in pool order, becomes a new dataset. Nearness is BM25 (Lucene) by default, or cosine
 * similarity of vectors when an {@link Embedder} is given.
 */
public final class RetrievalSelector {
  /** A finished selection. */
  public record Result(DatasetInfo dataset, String method, int k, long targets, long pool,
      long selected, double seconds) {}

  private final Database db;

  public RetrievalSelector(Database db) {
    this.db = db;
  }

  /** Selects into {@code name}; {@code embedder} null means BM25. */
  public Result select(String pool, String targets, int k, String name, Embedder embedder,
      JobContext ctx) {
    long started = System.nanoTime();
    if (k < 1) {
      throw new TemperException("--k must be at least 1 (was " + k + ")");
    }
    Datasets.requireFree(db, name);
    DatasetRepository repo = db.datasets();
    DatasetInfo poolInfo = Datasets.require(db, pool);
    DatasetInfo targetInfo = Datasets.require(db, targets);
    List<String> targetTexts = new ArrayList<>();
    repo.forEach(targetInfo.id(), 1000, page -> page.forEach(e ->
        targetTexts.add(Datasets.parse(targetInfo, e).promptText())));

    TreeSet<Long> chosen = new TreeSet<>();
    String method;
    if (embedder == null) {
      method = "bm25";
      try (Bm25Index index = new Bm25Index()) {
        long[] done = {0};
        repo.forEach(poolInfo.id(), 1000, page -> {
          for (StoredExample e : page) {
            index.add(e.idx(), Datasets.parse(poolInfo, e).promptText());
          }
          done[0] += page.size();
          ctx.checkCancelled();
          ctx.progress(0.7 * done[0] / Math.max(1, poolInfo.rowCount()),
              String.format("indexed %,d pool examples", done[0]));
        });
        index.commit();
        for (int t = 0; t < targetTexts.size(); t++) {
          for (long p : index.search(targetTexts.get(t), k)) {
            chosen.add(p);
          }
          progressTargets(ctx, t, targetTexts.size());
        }
      }
    } else {
      method = "embedding:" + embedder.name();
      List<float[]> vectors = new ArrayList<>();
      long[] done = {0};
      repo.forEach(poolInfo.id(), 256, page -> {
        List<String> texts = new ArrayList<>(page.size());
        page.forEach(e -> texts.add(Datasets.parse(poolInfo, e).promptText()));
        vectors.addAll(embedder.embedAll(texts));
        done[0] += page.size();
        ctx.checkCancelled();
        ctx.progress(0.7 * done[0] / Math.max(1, poolInfo.rowCount()),
            String.format("embedded %,d pool examples", done[0]));
      });
      CosineKnn knn = new CosineKnn(vectors);
      List<float[]> queries = embedder.embedAll(targetTexts);
      for (int t = 0; t < queries.size(); t++) {
        for (int p : knn.nearest(queries.get(t), k)) {
          chosen.add((long) p); // pool positions are idx: contiguous from 0
        }
        progressTargets(ctx, t, queries.size());
      }
    }
    if (chosen.isEmpty()) {
      throw new TemperException("No pool example matched any target (are the targets empty?)");
    }

    ObjectNode provenance = JsonNodeFactory.instance.objectNode();
    provenance.put("operation", "select");
    provenance.put("method", method);
    provenance.put("pool", poolInfo.name());
    provenance.put("targets", targetInfo.name());
    provenance.put("k", k);
    provenance.put("selected", chosen.size());
    provenance.put("created_at", Instant.now().toString());
    DatasetInfo info = db.sql().inTransaction(c -> {
      long id = repo.create(name, poolInfo.kind(), "select", null, null, null);
      List<long[]> batch = new ArrayList<>(1000);
      long next = 0;
      for (long p : chosen) {
        batch.add(new long[] {next++, poolInfo.id(), p});
        if (batch.size() == 1000) {
          repo.copyExamples(id, batch);
          batch.clear();
          ctx.checkCancelled();
        }
      }
      repo.copyExamples(id, batch);
      repo.finish(id, next, provenance.toString());
      return repo.find(id).orElseThrow();
    });
    ctx.progress(1, String.format("%,d selected", chosen.size()));
    return new Result(info, method, k, targetTexts.size(), poolInfo.rowCount(), chosen.size(),
        (System.nanoTime() - started) / 1e9);
  }

  private static void progressTargets(JobContext ctx, int t, int total) {
    if (t % 50 == 49 || t == total - 1) {
      ctx.checkCancelled();
      ctx.progress(0.7 + 0.25 * (t + 1) / total, String.format("searched %,d of %,d targets",
          t + 1, total));
    }
  }
}
