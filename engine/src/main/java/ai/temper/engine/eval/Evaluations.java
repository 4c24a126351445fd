package ai.temper.engine.eval;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.EvalRepository.Instance;
import java.util.List;

/** The evaluations of one home: run a suite on a model, read the stored results back. */
public final class Evaluations {
  private final Workbench workbench;

  public Evaluations(Workbench workbench) {
    this.workbench = workbench;
  }

  /** Runs {@code suite} on a library model or a path (as a job: progress, cancel). */
  public Evaluator.SuiteOutcome run(String modelRef, EvalSuite suite, Evaluator.Options o,
      JobContext ctx) {
    return new Evaluator(workbench).run(modelRef, suite, o, ctx);
  }

  /** Every stored result as one table: models down, tasks across. */
  public ResultTable table() {
    return ResultTable.of(workbench.db().evals().list());
  }

  /** The scored instances of one task result, in order. */
  public List<Instance> instances(long taskResultId) {
    return workbench.db().evals().instances(taskResultId);
  }

  /**
   * One task's instances side by side for two results ({@code b} null: {@code a} alone, no
   * filter).
   */
  public List<ResultTable.Pair> compare(long a, Long b, ResultTable.Filter filter) {
    return ResultTable.compare(instances(a), b == null ? List.of() : instances(b),
        b == null ? ResultTable.Filter.ALL : filter);
  }
}
