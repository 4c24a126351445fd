package ai.temper.engine.eval;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.train.TrainListener;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's {@code eval_suite}: each checkpoint the run saves is evaluated on the suite
 * (its development tasks) right after it is written, on the training thread, so the Evaluate
 * page fills while the run trains. A failing evaluation is logged and never stops the run; a
 * cancel stops the evaluation and leaves the run to stop as it does.
 */
public final class CheckpointEvaluation implements TrainListener {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointEvaluation.class);

  private final Workbench workbench;
  private final String suiteRef;
  private final JobContext ctx;

  public CheckpointEvaluation(Workbench workbench, String suiteRef, JobContext ctx) {
    this.workbench = workbench;
    this.suiteRef = suiteRef;
    this.ctx = ctx;
  }

  @Override
  public void onCheckpoint(long runId, int step, Path dir) {
    if (ctx.isCancelled()) {
      return;
    }
    // progress messages only: the bar stays the run's
    JobContext quiet = new JobContext() {
      @Override
      public void progress(double fraction, String message) {
        ctx.progress(-1, "evaluating step " + step + ": " + message);
      }

      @Override
      public boolean isCancelled() {
        return ctx.isCancelled();
      }
    };
    try {
      EvalSuite suite = EvalSuite.resolve(suiteRef);
      Evaluator.SuiteOutcome r = new Evaluator(workbench).run(dir.toString(), suite,
          Evaluator.Options.defaults().withRun(runId, (long) step), quiet);
      for (Evaluator.TaskOutcome t : r.tasks()) {
        if (t.status() == Evaluator.Status.FAILED) {
          LOG.warn("run {} step {}: eval task {} failed: {}", runId, step, t.task().name(),
              t.error());
        } else if (!t.metrics().isEmpty()) {
          LOG.info("run {} step {}: {} {} = {}", runId, step, t.task().name(),
              t.metrics().get(0).metric(), t.metrics().get(0).value());
        }
      }
    } catch (CancellationException e) {
      LOG.info("run {} step {}: evaluation cancelled", runId, step);
    } catch (TemperException e) {
      LOG.warn("run {} step {}: cannot evaluate on {}: {}", runId, step, suiteRef,
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("run {} step {}: evaluation on {} failed", runId, step, suiteRef, e);
    }
  }
}
