package ai.temper.engine.store;

/** Where a training run is; stored by name in the runs table. */
public enum RunStatus {
  /** Recorded with its config, not started yet. */
  CREATED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  /** Left RUNNING by a process that died; resumable. */
  INTERRUPTED;

  /** Ended, one way or another (a resumable run may start again). */
  public boolean isDone() {
    return this != CREATED && this != RUNNING;
  }
}
