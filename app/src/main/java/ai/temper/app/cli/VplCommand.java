package ai.temper.app.cli;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.vpl.Vpl;
import ai.temper.engine.vpl.VplConfig;
import ai.temper.engine.vpl.VplRuns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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

  @Option(names = "--config", required = true, paramLabel = "FILE.yaml",
      description = "The run's config (temper train vpl --fields lists the fields).")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one field.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads.")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    VplConfig c = VplConfig.load(config).withSets(sets)
        .resolvePaths(config.toAbsolutePath().getParent());
    TorchRuntime.configure(threads);
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
