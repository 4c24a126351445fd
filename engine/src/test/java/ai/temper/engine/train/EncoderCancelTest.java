package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizing the training data stops at the next example once the job is cancelled. */
class EncoderCancelTest {
  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    TrainFixtures.oneThread();
  }

  @Test
  void cancelDuringTokenizingStopsTheRun() {
    AtomicBoolean cancel = new AtomicBoolean();
    JobContext ctx = new JobContext() {
      @Override
      public void progress(double fraction, String message) {
        if (message != null && message.startsWith("reading and tokenizing")) {
          cancel.set(true); // before any example is encoded
        }
      }

      @Override
      public boolean isCancelled() {
        return cancel.get();
      }
    };
    try (Workbench wb = Workbench.open(home)) {
      TrainingRuns runs = wb.runs();
      long id = runs.create(TrainFixtures.config(TrainKind.SFT,
          "dataset_mixer_list=" + TrainFixtures.CHAT + ",24", "max_train_steps=2"));
      assertThatThrownBy(() -> runs.run(id, ctx)).isInstanceOf(CancellationException.class);
      org.assertj.core.api.Assertions.assertThat(wb.db().metrics().names(id)).isEmpty();
    }
  }
}
