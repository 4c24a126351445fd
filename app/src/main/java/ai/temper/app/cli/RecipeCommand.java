package ai.temper.app.cli;

import ai.temper.engine.Workbench;
import ai.temper.engine.recipe.Recipe;
import ai.temper.engine.recipe.RecipeRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code temper recipe run FILE.yaml}: runs a recipe's stages in order (progress on stderr),
 * then prints the results table (stage x evaluation task) on stdout. Running it again skips
 * finished stages and resumes an interrupted one.
 */
@Command(name = "recipe", mixinStandardHelpOptions = true,
    description = "Run a recipe: stages (generate, pretrain, sft, dpo, rm, ppo, grpo, eval) in "
        + "one file.",
    subcommands = {RecipeCommand.Run.class, RecipeCommand.Export.class})
public final class RecipeCommand {
  @ParentCommand TemperCommand root;

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run (or continue) a recipe; prints the stage x task results table.")
  static final class Run implements Callable<Integer> {
    @ParentCommand RecipeCommand parent;
    @Parameters(paramLabel = "FILE.yaml", description = "The recipe.") Path file;

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
      Recipe recipe = Recipe.load(file);
      threads.apply();
      Workbench wb = parent.root.workbench();
      RecipeRunner runner = new RecipeRunner(wb, line -> System.err.println(line));
      RecipeRunner.Outcome o = ConsoleProgress.run(wb.jobs(), "recipe",
          "Recipe " + recipe.name(), ctx -> runner.run(recipe, ctx));
      print(o.table());
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write a recipe for a cluster trainer: datasets as JSONL, flags mapped to "
          + "its names, a launch script (open-instruct or TRL).")
  static final class Export implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.yaml", description = "The recipe.") Path file;

    @Option(names = "--target", required = true, paramLabel = "open-instruct|trl",
        description = "The trainer: open-instruct or trl.") String target;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (!target.equals("open-instruct") && !target.equals("trl")) {
        throw new IllegalArgumentException("--target: '" + target + "' is not supported "
            + "(open-instruct or trl)");
      }
      Recipe recipe = Recipe.load(file);
      if (target.equals("trl")) {
        var t = ai.temper.engine.recipe.TrlExport.write(recipe, out);
        for (var c : t.commands()) {
          System.err.println(c.stage() + ": trl " + c.command() + ", " + c.flags().size()
              + " flags" + (c.notCarried().isEmpty() ? "" : "; not carried: "
                  + String.join(", ", c.notCarried())));
        }
        t.datasets().forEach(System.out::println);
        System.out.println(t.launchScript());
        return 0;
      }
      var r = ai.temper.engine.recipe.OpenInstructExport.write(recipe, out);
      for (var c : r.commands()) {
        System.err.println(c.stage() + ": " + c.script() + ", " + c.flags().size() + " flags"
            + (c.notCarried().isEmpty() ? "" : "; not carried: "
                + String.join(", ", c.notCarried())));
      }
      r.datasets().forEach(System.out::println);
      System.out.println(r.launchScript());
      return 0;
    }
  }

  static void print(RecipeRunner.ResultsTable t) {
    List<String> header = new ArrayList<>(List.of("STAGE"));
    header.addAll(t.tasks());
    Table out = new Table(header.toArray(new String[0]));
    t.rows().forEach((stage, cells) -> {
      List<Object> row = new ArrayList<>(List.of(stage));
      for (String task : t.tasks()) {
        Double v = cells.get(task);
        row.add(v == null ? null : String.format(Locale.ROOT, "%.4f", v));
      }
      out.add(row.toArray());
    });
    out.print(System.out);
  }
}
