package ai.temper.views.evaluate;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.views.common.ListViewModel;
import ai.temper.views.common.TablePage;

/** Evaluation results per checkpoint, task and metric. */
public final class EvaluateView extends TablePage<Result> {
  public EvaluateView(ListViewModel<Result> model) {
    super("Evaluate", "Scores of checkpoints on the development and unseen suites, "
        + "with per-instance outputs.", model.rows(), "No evaluation results yet.");
    column("ID", Result::id, 50);
    column("Model", Result::modelPath, 260);
    column("Suite", Result::suite, 100);
    column("Task", Result::task, 120);
    column("Metric", Result::metric, 120);
    column("Value", r -> String.format("%.4f", r.value()), 90);
    column("Instances", Result::instances, 90);
    column("When", Result::createdAt, 180);
    action("Refresh", model::refresh);
    table().setId("evaluate-table");
  }

  public static ListViewModel<Result> model(Workbench wb) {
    return new ListViewModel<>(wb.jobs(), () -> wb.db().evals().list());
  }
}
