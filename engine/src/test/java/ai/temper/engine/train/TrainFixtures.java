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

  /**
   * Gives every LoRA B matrix small random values (B starts at zero, which would make A's
   * gradient and the merged delta zero), seeded by the array's name.
   */
  static void randomLoraB(TrainableModel tm) {
    for (var e : tm.trainable().entrySet()) {
      if (e.getKey().endsWith("lora_B.weight")) {
        ai.djl.ndarray.NDArray b = e.getValue();
        float[] v = new float[(int) b.getShape().size()];
        java.util.Random r = new java.util.Random(e.getKey().hashCode());
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) r.nextGaussian() * 0.1f;
        }
        b.set(v);
      }
    }
  }

  /** The system property that sets the head's block size in bytes (tests only). */
  static final String HEAD_BLOCK_BYTES = "temper.headBlockBytes";

  /** Runs {@code body} with the output head streamed in blocks of {@code bytes}. */
  static void withHeadBlockBytes(long bytes, Runnable body) {
    System.setProperty(HEAD_BLOCK_BYTES, "" + bytes);
    try {
      body.run();
    } finally {
      System.clearProperty(HEAD_BLOCK_BYTES);
    }
  }

  /**
   * Every array of {@code other} equals {@code plain}'s, key for key, to 1e-5 of the array's
   * largest value (or {@code absolute}'s tolerance for the keys it names), and more than half
   * of the arrays are not all zero (so the comparison says something).
   */
  static void assertSameArrays(java.util.Map<String, float[]> plain,
      java.util.Map<String, float[]> other, java.util.Map<String, Double> absolute) {
    org.assertj.core.api.Assertions.assertThat(other.keySet())
        .containsExactlyElementsOf(plain.keySet());
    int nonZero = 0;
    for (var e : plain.entrySet()) {
      float[] a = e.getValue();
      float[] b = other.get(e.getKey());
      double scale = 0;
      for (float v : a) {
        scale = Math.max(scale, Math.abs(v));
      }
      nonZero += scale > 0 ? 1 : 0;
      double tol = absolute.getOrDefault(e.getKey(), 1e-5 * Math.max(scale, 1e-3));
      for (int i = 0; i < a.length; i++) {
        org.assertj.core.api.Assertions.assertThat((double) b[i])
            .as(e.getKey() + "[" + i + "]")
            .isCloseTo(a[i], org.assertj.core.data.Offset.offset(tol));
      }
    }
    org.assertj.core.api.Assertions.assertThat(nonZero).as("arrays that are not all zero")
        .isGreaterThan(plain.size() / 2);
  }
}
