package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.TemperException;
import ai.temper.engine.train.ConfigAliases;
import ai.temper.engine.train.ConfigField;
import ai.temper.engine.train.ConfigImport;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainListener;
import ai.temper.engine.train.TrainResult;
import ai.temper.engine.train.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper train {pretrain|sft|dpo|rm|grpo|ppo} --config FILE.yaml [--set key=value ...]}
 * (one {@link Start} per algorithm, added by {@link #addAlgorithms}) and
 * {@code temper train resume RUN}. Progress and log lines go to stderr; stdout gets the run id
 * as soon as the run exists, then the final checkpoint directory.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model (pretraining, SFT, DPO, reward model, GRPO, PPO) or resume a run.",
    subcommands = {TrainCommand.Resume.class, TrainCommand.Fields.class,
        TrainCommand.ImportConfig.class, VplCommand.class})
public final class TrainCommand {
  @ParentCommand TemperCommand root;

  /** What each algorithm's subcommand says in the help, in the order they are listed. */
  private static final Map<TrainKind, String> DESCRIPTIONS = new EnumMap<>(Map.of(
      TrainKind.PRETRAIN, "Next-token training on plain text, from a base or a new model.",
      TrainKind.SFT, "Supervised finetuning on conversations (loss on assistant turns).",
      TrainKind.DPO, "Preference optimisation: loss_type dpo (sigmoid), dpo_norm, simpo, ipo, "
          + "hinge, robust or wpo.",
      TrainKind.RM, "A Bradley-Terry reward model with a scalar head.",
      TrainKind.GRPO, "RLVR with GRPO: sampled groups scored by verifiers (and/or a reward "
          + "model).",
      TrainKind.PPO, "PPO with a value head, GAE and a KL penalty; reward model and/or "
          + "verifiers."));

  /**
   * Adds {@code temper train KIND} for every algorithm to {@code train} (the command line of
   * this command), before its other subcommands: one {@link Start} each, told its kind.
   */
  static void addAlgorithms(CommandLine train) {
    Map<String, CommandLine> others = new LinkedHashMap<>(train.getSubcommands());
    others.keySet().forEach(name -> train.getCommandSpec().removeSubcommand(name));
    for (TrainKind k : TrainKind.values()) {
      CommandLine sub = new CommandLine(new Start(k));
      sub.getCommandSpec().name(k.id()).usageMessage().description(DESCRIPTIONS.get(k));
      train.addSubcommand(k.id(), sub);
    }
    // the others again, after them; built anew, as adding gives them the inherited --home
    others.forEach((name, c) -> train.addSubcommand(name,
        new CommandLine(c.getCommandSpec().userObject().getClass())));
  }

  /** {@code temper train KIND}: starts a new run of one kind from a YAML config. */
  @Command(mixinStandardHelpOptions = true)
  static final class Start implements Callable<Integer> {
    @ParentCommand TrainCommand parent;

    @Mixin ConfigOptions config;

    @Mixin ThreadsOption threads;

    private final TrainKind kind;

    Start(TrainKind kind) {
      this.kind = kind;
    }

    @Override
    public Integer call() throws Exception {
      TrainConfig loaded = TrainConfig.load(config.config, kind);
      loaded.notes().forEach(n -> System.err.println("note: " + n));
      TrainConfig c = loaded.withSets(config.sets).resolvePaths(config.folder());
      threads.apply();
      Workbench wb = parent.root.workbench();
      TrainingRuns runs = wb.runs();
      long id = runs.create(c);
      System.out.println(id);
      System.out.flush();
      return train(wb, runs, id);
    }
  }

  /** Runs (or resumes) {@code id} as a job with a progress bar; prints the final checkpoint. */
  static int train(Workbench wb, TrainingRuns runs, long id) throws Exception {
    TrainListener log = new TrainListener() {
      @Override
      public void onLog(long runId, String line) {
        System.err.println("run " + runId + ": " + line);
      }
    };
    runs.addListener(log);
    try {
      Run r = wb.db().runs().find(id).orElseThrow();
      TrainResult result = ConsoleProgress.run(wb.jobs(), "train", TrainingRuns.title(r),
          ctx -> runs.run(id, ctx));
      System.out.println(result.checkpoint());
      return 0;
    } finally {
      runs.removeListener(log);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Continue a run from its last checkpoint (after a crash or a cancel).")
  static final class Resume implements Callable<Integer> {
    @ParentCommand TrainCommand parent;
    @Parameters(paramLabel = "RUN", description = "Run id.") long id;

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
      threads.apply();
      Workbench wb = parent.root.workbench();
      TrainingRuns runs = wb.runs();
      runs.config(id); // fails on an unknown run before any output
      System.out.println(id);
      System.out.flush();
      return train(wb, runs, id);
    }
  }

  @Command(name = "fields", mixinStandardHelpOptions = true,
      description = "List the config fields of an algorithm with their defaults.")
  static final class Fields implements Callable<Integer> {
    @Parameters(paramLabel = "KIND", defaultValue = "sft",
        description = "pretrain, sft, dpo, rm, grpo or ppo (default ${DEFAULT-VALUE}).")
    String kind;

    @Override
    public Integer call() {
      TrainKind k = TrainKind.of(kind);
      TrainConfig d = TrainConfig.defaults(k);
      for (ConfigField f : TrainConfig.fields(k)) {
        String v = f.format(d.get(f.name()));
        System.out.printf("%-28s %s%n    %s%n", f.name(), v.isEmpty() ? "(empty)" : v, f.doc());
        for (ConfigAliases.Alias a : ConfigAliases.aliasesOf(f.name())) {
          System.out.printf("    also: %s (%s)%s%n", a.name(), a.source(),
              a.note().isEmpty() ? "" : "; " + a.note());
        }
      }
      System.out.println();
      System.out.println("Accepted with no effect (open-instruct / TRL settings):");
      Map<String, List<String>> byReason = new LinkedHashMap<>();
      ConfigAliases.ignored().forEach((name, why) ->
          byReason.computeIfAbsent(why, w -> new ArrayList<>()).add(name));
      byReason.forEach((why, names) -> System.out.printf("  %s%n    %s%n", why,
          String.join(", ", names)));
      return 0;
    }
  }

  @Command(name = "import-config", mixinStandardHelpOptions = true,
      description = {"Read an open-instruct or TRL config (YAML, or the command line that "
          + "launches their script) and write the Temper config; lists what could not be "
          + "carried over."})
  static final class ImportConfig implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The YAML file or a file holding the "
        + "command line (e.g. a .sh script).")
    Path file;

    @Option(names = "--kind", paramLabel = "KIND",
        description = "sft, dpo or rm (default: from the script name or the fields).")
    String kind;

    @Option(names = "--out", paramLabel = "OUT.yaml",
        description = "Write the config here (stdout then lists what was not carried over); "
            + "without it the config goes to stdout with that list as comments.")
    Path out;

    @Override
    public Integer call() throws Exception {
      String text;
      try {
        text = Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new TemperException("File not found: " + file);
      }
      ConfigImport.Result r = ConfigImport.importConfig(text, file.toString(),
          kind == null ? null : TrainKind.of(kind));
      if (out == null) {
        System.out.print(r.yaml());
        System.out.println("# kind: " + r.kind().id() + " (temper train " + r.kind().id()
            + " --config FILE)");
        if (!r.notCarried().isEmpty()) {
          System.out.println("# not carried over:");
          r.notCarried().forEach(n -> System.out.println("#   " + n));
        }
        return 0;
      }
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, r.yaml());
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      System.out.println("wrote " + out + " (temper train " + r.kind().id() + " --config "
          + out + ")");
      if (r.notCarried().isEmpty()) {
        System.out.println("everything was carried over");
      } else {
        System.out.println("not carried over:");
        r.notCarried().forEach(n -> System.out.println("  " + n));
      }
      return 0;
    }
  }
}
