package ai.temper.app.cli;

import ai.temper.engine.Devices;
import ai.temper.engine.Precision;
import ai.temper.engine.Workbench;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root of the command line. Global options live here; every subcommand reaches the
 * workbench through {@link #workbench()}, so the home is opened once and closed by Main.
 */
@Command(
    name = "temper",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Temper: a desktop workbench for language-model post-training.%n"
        + "With no command it opens the workbench GUI.",
    subcommands = {
      RunsCommand.class,
      JobsCommand.class,
      TrainCommand.class,
      ModelsCommand.class,
      DatasetsCommand.class,
      GenerateCommand.class,
      BenchCommand.class,
      ConvertCommand.class,
      LogitsCommand.class,
      EvalCommand.class,
      VerifyCommand.class,
      LabelsCommand.class,
      SamplesCommand.class,
      RecipeCommand.class,
    })
public final class TemperCommand {

  /** Every command takes it, before or after its name (temper recipe run F --home DIR). */
  @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "Workbench home (database, checkpoints, model cache, logs). "
          + "Default: $TEMPER_HOME or ~/.temper")
  void home(Path dir) {
    home = dir;
  }

  private Path home;

  private Workbench workbench;

  /** Every command takes it, before or after its name; the engine resolves it on first use. */
  @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]|mps", scope = ScopeType.INHERIT,
      description = "Where tensors live: auto (a GPU when the loaded libtorch has one), cpu, "
          + "cuda, cuda:N or mps. Default: $TEMPER_DEVICE, else auto.")
  void device(String spec) {
    Devices.select(spec);
  }

  /** Every command takes it; training runs resolve it against their config and device. */
  @Option(names = "--precision", paramLabel = "auto|fp32|fp16|bf16", scope = ScopeType.INHERIT,
      description = "Compute precision of training (float32 master weights and AdamW state "
          + "always): auto (fp16 with loss scaling on a CUDA GPU, else fp32), fp32, fp16; bf16 "
          + "is refused (DJL has no bfloat16). Wins over a config's bf16/fp16. Default: "
          + "$TEMPER_PRECISION, else auto.")
  void precision(String spec) {
    Precision.select(spec);
  }

  /** The home chosen on the command line, from the environment, or the default. */
  public Path home() {
    return Workbench.resolveHome(home);
  }

  /** Opens the workbench on first use; Main closes it when the command ends. */
  public synchronized Workbench workbench() {
    if (workbench == null) {
      workbench = Workbench.open(home());
    }
    return workbench;
  }

  synchronized Workbench openedWorkbench() {
    return workbench;
  }
}
