package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Builds a new dataset from a {@link MixSpec} by seeded sampling: each source draws its share
 * without replacement (whole repeats first when asked for more than it has), the union is
 * optionally deduplicated by content and then shuffled. The same spec and seed always give
 * the same dataset; the seed and spec are kept in its provenance.
 */
public final class Mixer {
  /** The seed when neither the spec nor the caller gives one. */
  public static final long DEFAULT_SEED = 42;

  /** One source in a preview: how many it has and how many it gives. */
  public record PlanRow(String dataset, long available, long take) {}

  /** What a mix will contain, before sampling. */
  public record Plan(DatasetKind kind, List<PlanRow> rows) {
    public long total() {
      return rows.stream().mapToLong(PlanRow::take).sum();
    }
  }

  /** A finished mix. */
  public record Result(DatasetInfo dataset, Plan plan, long seed, long duplicatesRemoved,
      Map<String, Long> taken) {}

  private final Database db;

  public Mixer(Database db) {
    this.db = db;
  }

  /** The counts per source, checked against the database; nothing is written. */
  public Plan preview(MixSpec spec) {
    DatasetKind kind = null;
    String first = null;
    List<PlanRow> rows = new ArrayList<>();
    for (MixSpec.Source s : spec.sources()) {
      DatasetInfo d = Datasets.require(db, s.dataset());
      DatasetKind k = Datasets.kind(d);
      if (kind == null) {
        kind = k;
        first = d.name();
      } else if (k != kind) {
        throw new TemperException("Cannot mix " + kind.id() + " examples ('" + first + "') with "
            + k.id() + " examples ('" + d.name() + "')");
      }
      rows.add(new PlanRow(d.name(), d.rowCount(), s.take(d.rowCount())));
    }
    return new Plan(kind, rows);
  }

  /**
   * Samples the mix into a new dataset {@code name}. {@code seed} null means the spec's seed,
   * else {@link #DEFAULT_SEED}.
   */
  public Result mix(MixSpec spec, String name, Long seed, JobContext ctx) {
    Datasets.requireFree(db, name);
    Plan plan = preview(spec);
    long s = seed != null ? seed : spec.seed() != null ? spec.seed() : DEFAULT_SEED;
    SplittableRandom root = new SplittableRandom(s);
    DatasetRepository repo = db.datasets();

    List<long[]> picks = new ArrayList<>(); // {datasetId, idx}
    Map<String, Long> taken = new HashMap<>();
    long removed = 0;
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < plan.rows().size(); i++) {
      PlanRow row = plan.rows().get(i);
      DatasetInfo d = repo.find(row.dataset()).orElseThrow();
      SplittableRandom rng = root.split();
      int[] chosen = sample(row.available(), row.take(), rng);
      long[] hashes = spec.dedup() ? repo.contentHashes(d.id()) : null;
      long kept = 0;
      for (int idx : chosen) {
        if (hashes != null && !seen.add(hashes[idx])) {
          removed++;
          continue;
        }
        picks.add(new long[] {d.id(), idx});
        kept++;
      }
      taken.merge(d.name(), kept, Long::sum);
      ctx.progress(0.2 * (i + 1) / plan.rows().size(), "sampled " + d.name());
    }
    // one shuffle of the union, so sources interleave
    for (int i = picks.size() - 1; i > 0; i--) {
      int j = root.nextInt(i + 1);
      long[] t = picks.get(i);
      picks.set(i, picks.get(j));
      picks.set(j, t);
    }
    if (picks.isEmpty()) {
      throw new TemperException("The mix is empty: every source gives 0 examples");
    }
    ObjectNode provenance = provenance(spec, plan, s, removed, taken);
    DatasetInfo info = db.sql().inTransaction(c -> {
      long id = repo.create(name, plan.kind().id(), "mix", null, null, null);
      List<long[]> batch = new ArrayList<>(1000);
      for (int i = 0; i < picks.size(); i++) {
        batch.add(new long[] {i, picks.get(i)[0], picks.get(i)[1]});
        if (batch.size() == 1000 || i == picks.size() - 1) {
          repo.copyExamples(id, batch);
          batch.clear();
          ctx.checkCancelled();
          ctx.progress(0.2 + 0.8 * (i + 1) / picks.size(), String.format("%,d of %,d rows",
              i + 1, picks.size()));
        }
      }
      repo.finish(id, picks.size(), provenance.toString());
      return repo.find(id).orElseThrow();
    });
    return new Result(info, plan, s, removed, taken);
  }

  /**
   * {@code take} positions out of {@code n}: whole passes over a shuffled copy for the part
   * above n, then a partial Fisher-Yates draw without replacement.
   */
  static int[] sample(long n, long take, SplittableRandom rng) {
    if (n > Integer.MAX_VALUE || take > Integer.MAX_VALUE) {
      throw new TemperException("Datasets above 2^31 examples cannot be mixed");
    }
    int[] out = new int[(int) take];
    if (n == 0) {
      return new int[0];
    }
    int[] perm = new int[(int) n];
    int filled = 0;
    while (filled < take) {
      for (int i = 0; i < n; i++) {
        perm[i] = i;
      }
      int want = (int) Math.min(n, take - filled);
      for (int i = 0; i < want; i++) {
        int j = i + rng.nextInt((int) n - i);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        out[filled++] = perm[i];
      }
    }
    return out;
  }

  private static ObjectNode provenance(MixSpec spec, Plan plan, long seed, long removed,
      Map<String, Long> taken) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("operation", "mix");
    p.set("spec", spec.toJson());
    p.put("seed", seed);
    p.put("dedup", spec.dedup());
    p.put("duplicates_removed", removed);
    ArrayNode a = p.putArray("sources");
    for (PlanRow r : plan.rows()) {
      a.addObject().put("dataset", r.dataset()).put("available", r.available())
          .put("requested", r.take()).put("taken", taken.getOrDefault(r.dataset(), 0L));
    }
    p.put("created_at", Instant.now().toString());
    return p;
  }
}
