package ai.temper.engine.jobs;

/** Hears every change of every job; called on the job's thread, so be quick. */
@FunctionalInterface
public interface JobListener {
  void changed(JobHandle<?> job);
}
