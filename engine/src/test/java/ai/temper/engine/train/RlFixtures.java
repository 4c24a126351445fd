package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.Json;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.jobs.JobContext;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shared set-up of the GRPO and PPO tests (this module's and the command line's): prompts
 * stories260K can be rewarded on, the story-world task and an RL config on it, the
 * {@code @BeforeAll} every RL test class needs, and a stopped-and-resumed run compared with
 * an uninterrupted one.
 */
public final class RlFixtures {
  private static final String[] WORDS =
      {"Lily", "Tim", "ball", "happy", "park", "dog", "play", "sun", "mom"};

  private RlFixtures() {}

  /**
   * {@code @ExtendWith(RlFixtures.OnStories.class)}: skips the class (with its reason) when
   * ../shared's stories260K is absent, and runs libtorch on one thread.
   */
  public static final class OnStories implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      TrainFixtures.assumeStories();
      TrainFixtures.oneThread();
    }
  }

  /**
   * Runs {@code config} twice in {@code wb}: straight through, and cancelled during step
   * {@code stopStep} then resumed (the cancel must leave the finished step's checkpoint).
   * Returns the two run ids, straight first.
   */
  public static long[] straightAndResumed(Workbench wb, TrainConfig config, int stopStep) {
    TrainingRuns runs = wb.runs();
    long straight = runs.create(config);
    runs.run(straight, JobContext.none());
    long stopped = runs.create(config);
    assertThatThrownBy(() -> runs.run(stopped, new JobContext() {
      volatile boolean cancelled;

      @Override
      public void progress(double fraction, String message) {
        cancelled |= message != null && message.startsWith("step " + stopStep + "/");
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }
    })).isInstanceOf(CancellationException.class);
    assertThat(runs.latestCheckpoint(stopped).orElseThrow().getFileName().toString())
        .isEqualTo("step-" + stopStep);
    runs.run(stopped, JobContext.none());
    return new long[] {straight, stopped};
  }

  /**
   * Asserts that run {@code b} logged each metric of {@code names} as run {@code a} did, step
   * for step, within {@code tolerance} (times the value's magnitude when {@code relative}).
   */
  public static void assertSameSeries(Workbench wb, long a, long b, double tolerance,
      boolean relative, String... names) {
    for (String name : names) {
      List<Double> x = TrainFixtures.series(wb, a, name);
      List<Double> y = TrainFixtures.series(wb, b, name);
      assertThat(y).as(name).hasSameSizeAs(x);
      for (int i = 0; i < x.size(); i++) {
        double tol = tolerance * (relative ? Math.max(1, Math.abs(x.get(i))) : 1);
        assertThat(y.get(i)).as(name + " of step " + (i + 1)).isCloseTo(x.get(i), within(tol));
      }
    }
  }

  /**
   * Writes {@code n} RLVR rows to {@code file}: "Tell a story with A, B and C." checked by
   * IFEval's keywords:existence for the three words (the score is the fraction present), which
   * stories260K says now and then, so the rewards within a group differ and every step trains.
   */
  public static Path keywordPrompts(Path file, int n) throws IOException {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> words = List.of(WORDS[i % 9], WORDS[(i + 3) % 9], WORDS[(i + 5) % 9]);
      ObjectNode truth = Json.MAPPER.createObjectNode();
      var ids = truth.putArray("instruction_id");
      var kwargs = truth.putArray("kwargs");
      for (String w : words) {
        ids.add("keywords:existence");
        kwargs.addObject().putArray("keywords").add(w);
      }
      ObjectNode row = Json.MAPPER.createObjectNode();
      row.putArray("messages").addObject().put("role", "user").put("content",
          "Tell a story with " + words.get(0) + ", " + words.get(1) + " and " + words.get(2)
              + ".");
      row.put("ground_truth", Json.MAPPER.writeValueAsString(truth));
      row.put("dataset", "ifeval");
      rows.add(Json.MAPPER.writeValueAsString(row));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, rows);
    return file;
  }

  /** The story-world task (see {@link StoryWorld}) in {@code home}/story-world. */
  public static Path storyWorld(Path home, long seed, int train, int heldout)
      throws IOException {
    Path data = home.resolve("story-world");
    StoryWorld.write(data, seed, train, heldout);
    return data;
  }

  /**
   * A {@code kind} (grpo, ppo) config on stories260K that trains on the story world in
   * {@code data} and evaluates on its held-out prompts at the end only, with 128-token
   * sequences and no intermediate checkpoints; {@code sets} come after.
   */
  public static TrainConfig storyWorldConfig(TrainKind kind, Path data, String... sets) {
    List<String> all = new ArrayList<>(List.of(
        "dataset_mixer_list=" + data.resolve("rlvr-train.jsonl") + ",1.0",
        "dataset_mixer_eval_list=" + data.resolve("rlvr-heldout.jsonl") + ",1.0",
        "max_seq_length=128", "eval_steps=0", "save_steps=0"));
    all.addAll(List.of(sets));
    return TrainFixtures.config(kind, all.toArray(String[]::new));
  }
}
