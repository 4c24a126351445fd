package ai.temper.engine.fault;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainingRuns;
import java.nio.file.Path;
import java.util.List;

/**
 * The process the fault suite kills: one operation on a home, run with {@code temper.fault}
 * naming where to stop. Arguments: {@code import HOME FILE}, {@code train HOME CONFIG.yaml},
 * {@code pull HOME ENDPOINT REPO}, {@code label HOME} (labels every pair of session "fault").
 */
public final class FaultChild {
  private FaultChild() {}

  public static void main(String[] args) {
    Path home = Path.of(args[1]);
    try (Workbench wb = Workbench.open(home)) {
      switch (args[0]) {
        case "import" -> new DatasetImporter(wb.db()).importFile(Path.of(args[2]),
            new DatasetImporter.Options("big", DataFormat.AUTO, null), JobContext.none());
        case "train" -> {
          TorchRuntime.configure(1);
          TrainingRuns runs = wb.runs();
          long id = runs.create(TrainConfig.load(Path.of(args[2]), TrainKind.SFT)
              .withSets(List.of()));
          System.out.println(id);
          System.out.flush();
          runs.run(id, JobContext.none());
        }
        case "label" -> {
          Annotations ann = new Annotations(wb.db());
          var session = ann.require("fault");
          for (int i = 0; i < ann.pairs(session).size(); i++) {
            ann.label(session, "ann", i, i % 2 == 0 ? Choice.A : Choice.B, null, null, 1.0);
          }
        }
        case "pull" -> new ModelLibrary(wb).pull(new HubClient(args[2], null).retries(1, 0),
            args[3], "main", JobContext.none());
        default -> throw new IllegalArgumentException(args[0]);
      }
    }
    System.err.println("finished");
    System.exit(0);
  }
}
