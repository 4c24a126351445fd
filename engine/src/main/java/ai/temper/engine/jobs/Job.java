package ai.temper.engine.jobs;

/** Long work that reports progress through its context and stops when cancelled. */
@FunctionalInterface
public interface Job<T> {
  T run(JobContext context) throws Exception;
}
