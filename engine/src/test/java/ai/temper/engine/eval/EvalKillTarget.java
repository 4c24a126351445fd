package ai.temper.engine.eval;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.NewMetric;
import ai.temper.engine.store.EvalRepository.NewTaskResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A process that stores large task results until it is killed; prints each committed one. */
public final class EvalKillTarget {
  public static final int INSTANCES = 3000;

  public static void main(String[] args) {
    Workbench wb = Workbench.open(Path.of(args[0]));
    for (int n = 1; ; n++) {
      List<Instance> instances = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        instances.add(new Instance(i, "prompt " + i + " ".repeat(200), "output " + i, "target",
            "x", (double) (i % 2), "{}"));
      }
      wb.db().evals().storeTask(new NewTaskResult(null, "/m", "m", "hash", "suite", "task" + n,
          false, "key" + n, "{}", null, null, 1.0,
          List.of(new NewMetric("accuracy", 0.5, 0.4, 0.6), new NewMetric("other", 1, null,
              null)), instances));
      System.out.println(n);
      System.out.flush();
    }
  }
}
