package ai.temper.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --config FILE.yaml [--set key=value ...]} of a training run (mix in with {@code @Mixin}). */
public final class ConfigOptions {
  @Option(names = "--config", required = true, paramLabel = "FILE.yaml",
      description = "The run's config (open-instruct / TRL field names; temper train fields "
          + "lists them).")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one config field (repeatable), e.g. --set learning_rate=1e-4")
  List<String> sets = new ArrayList<>();

  /** The config file's folder, against which its relative paths resolve. */
  public Path folder() {
    return config.toAbsolutePath().getParent();
  }
}
