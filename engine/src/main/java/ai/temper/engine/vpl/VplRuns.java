package ai.temper.engine.vpl;

import ai.djl.ndarray.NDList;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.Embedder;
import ai.temper.engine.data.HashedTfIdfEmbedder;
import ai.temper.engine.data.ModelEmbedder;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.MetricRepository.Metric;
import ai.temper.engine.store.RunStatus;
import ai.temper.engine.train.TrainingData;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * VPL runs of a workbench: a run row (kind vpl) with its YAML, per-step metrics in the
 * database (so the Runs page plots them), and at the end the weights
 * ({@code step-N/vpl.safetensors}) and the per-annotator results ({@code step-N/vpl.json}).
 */
public final class VplRuns {
  public static final String KIND = "vpl";
  private static final ObjectMapper JSON = Json.MAPPER;

  /** A finished run: its id, its checkpoint folder and the per-annotator results. */
  public record Outcome(long runId, Path checkpoint, List<Vpl.AnnotatorResult> annotators,
      Map<String, Double> summary) {}

  private final Workbench workbench;

  public VplRuns(Workbench workbench) {
    this.workbench = workbench;
  }

  /** Records a new run; returns its id. */
  public long create(VplConfig config) {
    String name = config.runName() != null ? config.runName() : "vpl "
        + config.datasetMixerList().sources();
    long id = workbench.db().runs().create(KIND, name, config.toYaml(),
        config.modelNameOrPath() == null ? "tf-idf features" : config.modelNameOrPath(),
        config.datasetMixerList().sources(), null);
    Path out = config.outputDir() != null ? Path.of(config.outputDir()).toAbsolutePath()
        : workbench.checkpointsDir().resolve("run-" + id);
    workbench.db().runs().setOutputDir(id, out.toString());
    return id;
  }

  /** The labelled pairs a config names. */
  public List<Vpl.Pair> pairs(VplConfig config) {
    return Vpl.pairs(TrainingData.mix(config.datasetMixerList(), "preference", config.seed(),
        workbench.db()));
  }

  /** The features' embedder: the feature model's hidden states, or TF-IDF fitted on the texts. */
  public static Embedder embedder(VplConfig config, List<Vpl.Pair> pairs) {
    if (config.modelNameOrPath() != null) {
      return ModelEmbedder.open(Path.of(config.modelNameOrPath()),
          config.tokenizerName() == null ? null : Path.of(config.tokenizerName()),
          config.maxSeqLength());
    }
    List<String> corpus = new ArrayList<>();
    for (Vpl.Pair p : pairs) {
      corpus.add(p.prompt());
      corpus.add(p.chosen());
      corpus.add(p.rejected());
    }
    return HashedTfIdfEmbedder.fit(corpus, config.embeddingDim());
  }

  /** Trains run {@code runId} (blocking: call it from a job); the model goes to {@code keep}. */
  public Outcome run(long runId, VplConfig config, JobContext ctx, Consumer<String> log,
      Consumer<Vpl> keep) {
    var db = workbench.db();
    String outDir = db.runs().find(runId).orElseThrow().outputDir();
    db.runs().markRunning(runId);
    try {
      ctx.progress(-1, "reading preference pairs");
      List<Vpl.Pair> pairs = pairs(config);
      long annotators = pairs.stream().map(Vpl.Pair::annotator).distinct().count();
      log.accept(pairs.size() + " labelled pairs from " + annotators + " annotators");
      Embedder embedder = embedder(config, pairs);
      Vpl vpl = Vpl.train(pairs, config, embedder, ctx, (step, m) -> {
        List<Metric> rows = new ArrayList<>();
        m.forEach((k, v) -> rows.add(new Metric(runId, step, k, v)));
        db.metrics().log(rows);
      });
      try {
        List<Vpl.AnnotatorResult> results = vpl.evaluate();
        Map<String, Double> summary = Vpl.summary(results);
        Path dir = save(Path.of(outDir), config.maxTrainSteps(), vpl, config, results, summary);
        db.checkpoints().add(runId, config.maxTrainSteps(), dir.toString());
        log.accept(String.format("held-out accuracy per annotator: VPL %.3f, Bradley-Terry "
            + "%.3f (mean over %d annotators); saved %s", summary.get("eval_accuracy"),
            summary.get("eval_accuracy_baseline"), results.size(), dir));
        db.runs().finish(runId, RunStatus.SUCCEEDED, null);
        keep.accept(vpl);
        return new Outcome(runId, dir, results, summary);
      } catch (RuntimeException e) {
        vpl.close();
        throw e;
      }
    } catch (CancellationException e) {
      db.runs().finish(runId, RunStatus.CANCELLED, null);
      throw e;
    } catch (RuntimeException e) {
      db.runs().finish(runId, RunStatus.FAILED, e.getMessage());
      throw e;
    }
  }

  private static Path save(Path outDir, int step, Vpl vpl, VplConfig config,
      List<Vpl.AnnotatorResult> results, Map<String, Double> summary) {
    Path dir = outDir.resolve("step-" + step);
    Path tmp = outDir.resolve("step-" + step + ".tmp");
    try {
      Files.createDirectories(tmp);
      NDList weights = vpl.weights();
      try (OutputStream os = Files.newOutputStream(tmp.resolve("vpl.safetensors"))) {
        weights.encode(os, NDList.Encoding.SAFETENSORS);
      }
      ObjectNode info = JSON.createObjectNode();
      info.put("model_type", "vpl");
      info.put("features", vpl.featureName());
      info.put("latent_dim", config.latentDim());
      info.put("hidden_dim", config.hiddenDim());
      info.put("kl_weight", config.klWeight());
      summary.forEach(info::put);
      ArrayNode per = info.putArray("annotators");
      for (Vpl.AnnotatorResult r : results) {
        per.addObject().put("annotator", r.annotator()).put("train_pairs", r.trainPairs())
            .put("held_out", r.heldOut()).put("accuracy_vpl", r.vplAccuracy())
            .put("accuracy_bradley_terry", r.btAccuracy()).put("sigma", r.sigma());
      }
      Files.writeString(tmp.resolve("vpl.json"), JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsString(info));
      if (Files.exists(dir)) {
        throw new TemperException(dir + " exists already");
      }
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new TemperException("Cannot write " + dir + ": " + e.getMessage(), e);
    }
  }
}
