package ai.temper.views.common;

import ai.temper.engine.jobs.JobRunner;
import java.util.Objects;

/**
 * What runs a {@link BackgroundTask}: the workbench's {@link JobRunner} for the work, a
 * {@link UiExecutor} for the results. The application uses {@link #fx}; tests use
 * {@link #direct}.
 */
public record TaskExecutor(JobRunner jobs, UiExecutor ui) {
  public TaskExecutor {
    Objects.requireNonNull(jobs, "jobs");
    Objects.requireNonNull(ui, "ui");
  }

  /** Work on the runner, results on the FX thread. */
  public static TaskExecutor fx(JobRunner jobs) {
    return new TaskExecutor(jobs, UiExecutor.fx());
  }

  /** Work on the runner, results on the worker thread itself: for windowless tests. */
  public static TaskExecutor direct(JobRunner jobs) {
    return new TaskExecutor(jobs, UiExecutor.direct());
  }
}
