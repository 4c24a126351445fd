package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.vpl.Vpl;
import ai.temper.engine.vpl.VplConfig;
import ai.temper.engine.vpl.VplRuns;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper train vpl --config FILE.yaml}: a pluralistic reward model (variational
 * preference learning) beside a plain Bradley-Terry one. Stdout: the run id, the
 * per-annotator table, then the checkpoint folder.
 */
@Command(name = "vpl", mixinStandardHelpOptions = true,
    description = "A reward model conditioned on a per-annotator latent (VPL), compared with "
        + "plain Bradley-Terry on each annotator's held-out pairs.")
final class VplCommand implements Callable<Integer> {
  @ParentCommand TrainCommand parent;

  @Mixin ConfigOptions config;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    VplConfig c = VplConfig.load(config.config).withSets(config.sets)
        .resolvePaths(config.folder());
    threads.apply();
    Workbench wb = parent.root.workbench();
    VplRuns runs = new VplRuns(wb);
    long id = runs.create(c);
    System.out.println(id);
    System.out.flush();
    VplRuns.Outcome o = ConsoleProgress.run(wb.jobs(), "train", "VPL run " + id,
        ctx -> runs.run(id, c, ctx, line -> System.err.println("run " + id + ": " + line),
            Vpl::close));
    Table t = new Table("annotator", "train pairs", "held out", "accuracy BT",
        "accuracy VPL", "sigma(z)");
    for (Vpl.AnnotatorResult r : o.annotators()) {
      t.add(r.annotator(), r.trainPairs(), r.heldOut(), LabelsCommand.num(r.btAccuracy(), 3),
          LabelsCommand.num(r.vplAccuracy(), 3), LabelsCommand.num(r.sigma(), 3));
    }
    t.add("(mean)", null, null, LabelsCommand.num(o.summary().get("eval_accuracy_baseline"), 3),
        LabelsCommand.num(o.summary().get("eval_accuracy"), 3),
        LabelsCommand.num(o.summary().get("eval_sigma"), 3));
    t.print(System.out);
    System.out.println(o.checkpoint());
    return 0;
  }
}
