package ai.temper.engine.jobs;

/** Where a job is in its life. */
public enum JobState {
  RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED;

  public boolean isDone() {
    return this != RUNNING;
  }
}
