package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.RunStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled run leaves a checkpoint and, resumed, computes the same losses as a run that was
 * never stopped (LoRA with dropout and DPO's cached reference log-probs included).
 */
class ResumeTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  /** Cancels once step {@code at} has been reported. */
  private static JobContext cancelAfter(int at) {
    return new JobContext() {
      volatile boolean cancelled;

      @Override
      public void progress(double fraction, String message) {
        if (message != null && message.startsWith("step " + at + "/")) {
          cancelled = true;
        }
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }
    };
  }

  @Test
  void cancelledRunResumesWithTheSameLosses() {
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainFixtures.config(TrainKind.DPO,
          "dataset_mixer_list=" + TrainFixtures.PREFS + ",24", "eval_fraction=0.2",
          "learning_rate=5e-3", "max_train_steps=7", "per_device_train_batch_size=4",
          "gradient_accumulation_steps=2", "save_steps=3", "eval_steps=0", "use_lora=true",
          "lora_rank=4", "lora_dropout=0.2", "lr_scheduler_type=cosine", "warmup_ratio=0.2");
      TrainingRuns runs = wb.runs();
      long straight = runs.create(c);
      runs.run(straight, JobContext.none());

      long stopped = runs.create(c);
      assertThatThrownBy(() -> runs.run(stopped, cancelAfter(4)))
          .isInstanceOf(CancellationException.class);
      assertThat(wb.db().runs().find(stopped).orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(runs.latestCheckpoint(stopped).orElseThrow().getFileName().toString())
          .isEqualTo("step-4");
      TrainResult resumed = runs.run(stopped, JobContext.none());
      assertThat(resumed.steps()).isEqualTo(7);
      assertThat(wb.db().runs().find(stopped).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);

      List<Double> a = TrainFixtures.series(wb, straight, "loss");
      List<Double> b = TrainFixtures.series(wb, stopped, "loss");
      System.out.println("straight " + a + "\nresumed  " + b);
      assertThat(b).hasSize(7);
      for (int i = 0; i < 7; i++) {
        assertThat(b.get(i)).as("loss of step " + (i + 1)).isCloseTo(a.get(i), within(1e-6));
      }
      assertThat(TrainFixtures.series(wb, stopped, "eval_loss"))
          .hasSameSizeAs(TrainFixtures.series(wb, straight, "eval_loss"));
      assertThat(wb.db().checkpoints().forRun(stopped)).extracting(r -> r.step())
          .containsExactly(3L, 4L, 6L, 7L);
      assertThatThrownBy(() -> runs.run(stopped, JobContext.none()))
          .hasMessageContaining("already finished").hasMessageContaining("step-7");
    }
  }
}
