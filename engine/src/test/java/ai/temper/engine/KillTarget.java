package ai.temper.engine;

import ai.temper.engine.store.MetricRepository.Metric;
import java.nio.file.Path;
import java.util.List;

/** A process that logs metrics until it is killed; prints each committed step. */
public final class KillTarget {
  public static void main(String[] args) {
    Workbench wb = Workbench.open(Path.of(args[0]));
    long run = wb.db().runs().create("sft", "killed", null, "m", "d", null);
    wb.db().runs().markRunning(run);
    for (long step = 1; ; step++) {
      wb.db().metrics().log(List.of(new Metric(run, step, "loss", 1.0 / step)));
      System.out.println(step);
      System.out.flush();
    }
  }
}
