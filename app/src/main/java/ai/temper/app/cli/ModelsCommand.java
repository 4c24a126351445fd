package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.LineageNode;
import ai.temper.engine.models.ModelDetails;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.ModelLibrary.CreateOptions;
import ai.temper.engine.models.ModelLibrary.ImportOptions;
import ai.temper.engine.models.ModelPreset;
import ai.temper.engine.models.Sizes;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.store.ModelRepository.ModelRow;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code temper models ...}: the model library. */
@Command(name = "models", description = "The model library: add, download, create, list, "
    + "inspect and remove models.",
    mixinStandardHelpOptions = true,
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class,
        ModelsCommand.Import.class, ModelsCommand.Pull.class, ModelsCommand.Create.class,
        ModelsCommand.Remove.class})
public final class ModelsCommand {
  @ParentCommand TemperCommand root;

  ModelLibrary library() {
    return root.workbench().models();
  }

  Workbench workbench() {
    return root.workbench();
  }

  static void printAdded(ModelRow m) {
    System.out.println("Added model " + m.id() + " '" + m.name() + "' (" + m.kind() + ", "
        + m.format() + (m.parameters() == null ? "" : ", " + Sizes.parameters(m.parameters())
            + " parameters") + "): " + m.path());
  }

  @Command(name = "list", description = "List every model: base models, checkpoints, adapters.",
      mixinStandardHelpOptions = true)
  static final class ListModels implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Option(names = "--tree", description = "Show the lineage: each base with the checkpoints "
        + "and adapters trained from it.")
    boolean tree;

    @Override
    public Integer call() {
      ModelLibrary lib = parent.library();
      if (tree) {
        for (LineageNode n : lib.lineage()) {
          printTree(System.out, n, "");
        }
        return 0;
      }
      List<ModelRow> all = lib.list();
      Map<Long, String> names = new HashMap<>();
      for (ModelRow m : all) {
        names.put(m.id(), m.name());
      }
      Table t = new Table("ID", "NAME", "KIND", "FORMAT", "PARAMS", "SIZE", "BASE", "SOURCE");
      for (ModelRow m : all) {
        t.add(m.id(), m.name(), m.kind(), m.format(),
            m.parameters() == null ? null : Sizes.parameters(m.parameters()),
            m.sizeBytes() == null ? null : Sizes.bytes(m.sizeBytes()),
            m.parentId() == null ? null : names.getOrDefault(m.parentId(), "#" + m.parentId()),
            m.source());
      }
      t.print(System.out);
      return 0;
    }

    private static void printTree(PrintStream out, LineageNode n, String indent) {
      ModelRow m = n.model();
      StringBuilder line = new StringBuilder(indent).append(m.id()).append("  ").append(m.name())
          .append("  [").append(m.kind());
      if (n.algorithm() != null) {
        line.append(", ").append(n.algorithm());
      }
      if (m.step() != null) {
        line.append(", step ").append(m.step());
      }
      if (n.datasets() != null) {
        line.append(", data ").append(n.datasets());
      }
      out.println(line.append(']'));
      for (LineageNode c : n.children()) {
        printTree(out, c, indent + "  ");
      }
    }
  }

  @Command(name = "show", description = "Show one model: config, parameters, memory, "
      + "tokenizer, chat template, files, lineage and evaluation results.",
      mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;
    @Parameters(paramLabel = "MODEL", description = "Model id or name.") String model;

    @Override
    public Integer call() {
      ModelLibrary lib = parent.library();
      ModelDetails d = lib.details(lib.resolve(model).id());
      System.out.print(d.toText());
      return 0;
    }
  }

  @Command(name = "import", description = "Add a model from disk: a Hugging Face folder "
      + "(config.json + *.safetensors), a llama2.c .bin file (with its tokenizer beside it or "
      + "--tokenizer) or a folder holding one, or a LoRA adapter folder.",
      mixinStandardHelpOptions = true)
  static final class Import implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;
    @Parameters(paramLabel = "DIR_OR_FILE") Path source;
    @Option(names = "--name", description = "Library name (default: the file or folder name).")
    String name;
    @Option(names = "--copy", description = "Copy the files into the home's model cache "
        + "(default: refer to them where they are).")
    boolean copy;
    @Option(names = "--tokenizer", paramLabel = "FILE",
        description = "The llama2.c tokenizer file (default: tokenizer.bin or tok*.bin beside it).")
    Path tokenizer;
    @Option(names = "--base", paramLabel = "MODEL",
        description = "For an adapter: the id or name of its base model.")
    String base;

    @Override
    public Integer call() throws Exception {
      ModelLibrary lib = parent.library();
      ImportOptions o = new ImportOptions(name, copy, tokenizer, base);
      ModelRow m = copy
          ? ConsoleProgress.run(parent.workbench().jobs(), "model-import", "Import " + source,
              ctx -> lib.importLocal(source, o, ctx))
          : lib.importLocal(source, o, JobContext.none());
      printAdded(m);
      return 0;
    }
  }

  @Command(name = "pull", description = "Download a model from the Hugging Face Hub into the "
      + "home's model cache: config, safetensors weights, tokenizer and chat template, verified "
      + "against the Hub's sizes and hashes. Resumes an interrupted download. Honours "
      + "HF_ENDPOINT and HF_TOKEN.",
      mixinStandardHelpOptions = true)
  static final class Pull implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;
    @Parameters(paramLabel = "REPO_ID", description = "e.g. HuggingFaceTB/SmolLM2-135M")
    String repo;
    @Option(names = "--revision", defaultValue = "main",
        description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
    String revision;
    @Option(names = "--endpoint", paramLabel = "URL",
        description = "The Hub or a mirror (default: $HF_ENDPOINT, else https://huggingface.co).")
    String endpoint;

    @Override
    public Integer call() throws Exception {
      String repoId = HubClient.checkRepoId(repo);
      HubClient hub = endpoint != null ? new HubClient(endpoint, System.getenv(HubClient.TOKEN_ENV))
          : HubClient.fromEnvironment();
      ModelLibrary lib = parent.library();
      ModelRow m = ConsoleProgress.run(parent.workbench().jobs(), "model-pull",
          "Pull " + repoId, ctx -> lib.pull(hub, repoId, revision, ctx));
      printAdded(m);
      return 0;
    }
  }

  @Command(name = "create", description = "Create a new model from scratch (random weights, "
      + "Hugging Face Llama initialisation) to pretrain, with the tokenizer of an existing model.",
      mixinStandardHelpOptions = true)
  static final class Create implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;
    @Option(names = "--preset", required = true, paramLabel = "PRESET",
        description = "tiny (stories260K shape), small (stories15M shape) or medium "
            + "(stories42M shape).")
    String preset;
    @Option(names = "--tokenizer-from", required = true, paramLabel = "MODEL",
        description = "Model (id, name or path) whose tokenizer and vocabulary the new model "
            + "takes, e.g. stories260K.")
    String tokenizerFrom;
    @Option(names = "--name", description = "Library name (default: PRESET-scratch).")
    String name;
    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
      ModelPreset p = ModelPreset.parse(preset);
      ModelLibrary lib = parent.library();
      ModelRow m = ConsoleProgress.run(parent.workbench().jobs(), "model-create",
          "Create " + p.id() + " model", ctx -> lib.create(new CreateOptions(p, tokenizerFrom,
              name, seed), ctx));
      printAdded(m);
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove a model from the library. Files in the "
      + "home's model cache are deleted; files added by reference or saved by a run stay.",
      mixinStandardHelpOptions = true)
  static final class Remove implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;
    @Parameters(paramLabel = "MODEL", description = "Model id or name.") String model;
    @Option(names = "--force", description = "Remove a base model even if checkpoints or "
        + "adapters were made from it (they stay, without a base).")
    boolean force;

    @Override
    public Integer call() {
      ModelLibrary lib = parent.library();
      ModelRow m = lib.resolve(model);
      lib.remove(m.id(), force);
      System.out.println("Removed model " + m.id() + " '" + m.name() + "'"
          + (m.owned() ? " and its files" : " (its files stay at " + m.path() + ")"));
      return 0;
    }
  }
}
