package ai.temper.views.recipes;

import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.recipe.StarterSamples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recipes that run in seconds on the starter world: the samples loaded for real, and the
 * starter-model recipe (or a pretrain + eval recipe) cut to two training steps.
 */
public final class TinyRecipes {
  private TinyRecipes() {}

  /** Loads the samples into {@code wb}'s home (what the welcome page's first button does). */
  public static StarterSamples.Loaded loadSamples(Workbench wb) {
    return StarterSamples.load(wb, JobContext.none());
  }

  /** The home's starter-base recipe, its pretraining cut to {@code steps} steps. */
  public static Path shortenStarter(Workbench wb, int steps) throws IOException {
    Path f = StarterSamples.recipesDir(wb.home()).resolve(StarterSamples.STARTER_RECIPE);
    Files.writeString(f, shorten(Files.readString(f, StandardCharsets.UTF_8), steps),
        StandardCharsets.UTF_8);
    return f;
  }

  static String shorten(String yaml, int steps) {
    return yaml.replaceAll("max_train_steps: \\d+", "max_train_steps: " + steps)
        .replaceAll("eval_steps: \\d+", "eval_steps: " + steps)
        .replaceAll("save_steps: \\d+", "save_steps: " + steps)
        .replaceAll("logging_steps: \\d+", "logging_steps: 1");
  }

  /**
   * A two-stage recipe in {@code HOME/recipes/NAME.yaml}: pretrain a tiny model for two steps
   * on the world, then evaluate it on {@code suite} (two instances per task).
   */
  public static Path pretrainThenEval(Workbench wb, String name, String suite)
      throws IOException {
    Path f = StarterSamples.recipesDir(wb.home()).resolve(name + ".yaml");
    Files.writeString(f, """
        name: %s
        stages:
          - name: pretrain
            algorithm: pretrain
            config:
              tokenizer_name: ${home}/world/tokenizer.bin
              model_size: tiny
              dataset_mixer_list: ["${home}/world/pretrain.jsonl", 1.0]
              eval_fraction: 0
              packing: true
              max_seq_length: 64
              learning_rate: 5.0e-3
              max_train_steps: 2
              per_device_train_batch_size: 4
              logging_steps: 1
              save_steps: 2
              seed: 42
          - name: eval-base
            algorithm: eval
            suite: %s
            limit: 2
        """.formatted(name, suite), StandardCharsets.UTF_8);
    return f;
  }
}
