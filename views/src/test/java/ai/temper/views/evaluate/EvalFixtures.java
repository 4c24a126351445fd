package ai.temper.views.evaluate;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.NewMetric;
import ai.temper.engine.store.EvalRepository.NewTaskResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Two checkpoints of one run evaluated on a 10-instance task (and the second on an unseen
 * task), stored as the evaluator stores them. They differ on instances 1, 4 and 7: the later
 * checkpoint gets 1 and 7 right that the earlier got wrong, and 4 wrong that it got right.
 */
final class EvalFixtures {
  static final int[] EARLY = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
  static final int[] LATE = {1, 1, 1, 0, 0, 0, 1, 1, 1, 0};

  private EvalFixtures() {}

  static long store(Workbench wb) {
    long run = wb.db().runs().create("sft", "tiny sft", "kind: sft\n", "base", "d", null);
    task(wb, run, 10, "/ckpt/run/step-10", "cloze", false, EARLY);
    task(wb, run, 20, "/ckpt/run/step-20", "cloze", false, LATE);
    task(wb, run, 20, "/ckpt/run/step-20", "held-out", true, new int[] {1, 0, 0, 1});
    return run;
  }

  static void task(Workbench wb, long run, long step, String path, String task,
      boolean unseen, int[] scores) {
    List<Instance> inst = new ArrayList<>();
    double sum = 0;
    for (int i = 0; i < scores.length; i++) {
      inst.add(new Instance(i, "Question " + i, "answer " + i + " from step " + step,
          "ref " + i, scores[i] == 1 ? "ref " + i : "wrong", (double) scores[i], "{}"));
      sum += scores[i];
    }
    double mean = sum / scores.length;
    wb.db().evals().storeTask(new NewTaskResult(null, path, "step-" + step, "h" + step,
        "suite", task, unseen, path + task, "{}", run, step, 1.0,
        List.of(new NewMetric("exact_match", mean, Math.max(0, mean - 0.2),
            Math.min(1, mean + 0.2))), inst));
  }
}
