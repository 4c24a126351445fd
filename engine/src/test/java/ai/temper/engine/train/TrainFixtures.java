package ai.temper.engine.train;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.MetricRepository.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared pieces of the training tests: the stories260K model, sample data, a quick run. */
final class TrainFixtures {
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path CHAT = Path.of("samples/chat-stories.jsonl");
  static final Path PREFS = Path.of("samples/prefs-kindness.jsonl");
  static final Path TEXT = Path.of("samples/stories-text.jsonl");

  private TrainFixtures() {}

  static void assumeStories() {
    assumeTrue(Files.exists(STORIES), "../shared/models/stories260K is absent: skipping");
  }

  /**
   * One libtorch thread: the tests share two cores with other builds, where OpenMP's spinning
   * threads slow a second thread down by an order of magnitude.
   */
  static void oneThread() {
    TorchRuntime.configure(1);
  }

  /** A config of {@code kind} on stories260K with {@code sets} applied. */
  static TrainConfig config(TrainKind kind, String... sets) {
    List<String> all = new ArrayList<>();
    all.add("model_name_or_path=" + STORIES);
    all.addAll(List.of(sets));
    return TrainConfig.defaults(kind).withSets(all);
  }

  static TrainResult run(Workbench wb, TrainConfig config) {
    TrainingRuns runs = wb.runs();
    long id = runs.create(config);
    return runs.run(id, JobContext.none());
  }

  static List<Double> series(Workbench wb, long runId, String name) {
    List<Double> out = new ArrayList<>();
    for (Metric m : wb.db().metrics().series(runId, name)) {
      out.add(m.value());
    }
    return out;
  }
}
