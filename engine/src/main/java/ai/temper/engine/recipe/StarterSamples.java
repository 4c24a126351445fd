package ai.temper.engine.recipe;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.StoryWorld;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.RecipeRepository;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The samples a new home starts with (the welcome page's first actions): the starter story
 * world written by {@link StoryWorld#writeStarter} (what {@code temper samples generate}
 * writes) into {@code HOME/world}, its files imported as workbench datasets, its evaluation
 * suite at {@code HOME/world/eval/suite.yaml}, and the sample recipes copied into
 * {@code HOME/recipes}; plus the starter-model recipe (the pretraining stage of
 * {@code olmo-tiny.yaml} on its own).
 */
public final class StarterSamples {
  /** The seed {@code temper samples generate} and {@code olmo-tiny.yaml} use. */
  public static final long SEED = 7;
  /** The recipes of {@code samples/recipes} that are whole pipelines (on the class path). */
  public static final List<String> RECIPES = List.of("olmo-tiny.yaml", "tulu-tiny.yaml");
  /** The recipe file that builds the starter base model. */
  public static final String STARTER_RECIPE = "starter-base.yaml";

  /** A world file imported as a dataset. */
  public record SampleDataset(String name, String file, DataFormat format) {}

  public static final List<SampleDataset> DATASETS = List.of(
      new SampleDataset("world-pretrain", "pretrain.jsonl", DataFormat.TEXT),
      new SampleDataset("world-sft", "sft.jsonl", DataFormat.MESSAGES),
      new SampleDataset("world-prefs", "prefs.jsonl", DataFormat.PREFERENCE),
      new SampleDataset("world-rlvr-train", "rlvr-train.jsonl", DataFormat.RLVR),
      new SampleDataset("world-rlvr-heldout", "rlvr-heldout.jsonl", DataFormat.RLVR));

  /** What {@link #load} did: datasets imported (and already there), the suite, the recipes. */
  public record Loaded(Path world, List<String> imported, List<String> existing, Path suite,
      List<Path> recipes) {
    public String summary() {
      return (imported.size() + existing.size()) + " datasets" + (existing.isEmpty() ? ""
          : " (" + existing.size() + " were there)") + ", the evaluation suite "
          + suite.getFileName() + ", " + recipes.size() + " recipes";
    }
  }

  private StarterSamples() {}

  public static Path world(Path home) {
    return home.resolve("world");
  }

  public static Path recipesDir(Path home) {
    return home.resolve("recipes");
  }

  public static Path suite(Path home) {
    return world(home).resolve("eval").resolve("suite.yaml");
  }

  /**
   * True when the home holds nothing yet (no dataset, model, run or recipe): the GUI then
   * opens on its welcome.
   */
  public static boolean isEmpty(Workbench wb) {
    return wb.db().datasets().list().isEmpty() && wb.db().models().list().isEmpty()
        && wb.db().runs().list().isEmpty() && new RecipeRepository(wb.db().sql()).list().isEmpty()
        && recipeFiles(wb.home()).isEmpty();
  }

  /** True once {@link #load} has run on this home (the world and its datasets are there). */
  public static boolean loaded(Workbench wb) {
    return Files.isRegularFile(suite(wb.home()))
        && wb.db().datasets().find(DATASETS.get(0).name()).isPresent();
  }

  /**
   * Writes the starter world, imports its datasets (those already present by name are left as
   * they are), and copies the sample recipes (a file already there is kept: it may be edited).
   * Safe to run again.
   */
  public static Loaded load(Workbench wb, JobContext ctx) {
    Path home = wb.home();
    Path world = world(home);
    ctx.progress(0.02, "writing the story world to " + world);
    try {
      StoryWorld.writeStarter(world, SEED);
    } catch (IOException e) {
      throw new TemperException(world + ": cannot write the story world: " + e.getMessage(), e);
    }
    ctx.checkCancelled();
    List<String> imported = new ArrayList<>();
    List<String> existing = new ArrayList<>();
    DatasetImporter importer = new DatasetImporter(wb.db());
    for (int i = 0; i < DATASETS.size(); i++) {
      SampleDataset d = DATASETS.get(i);
      ctx.progress(0.2 + 0.7 * i / DATASETS.size(), "importing " + d.name());
      if (wb.db().datasets().find(d.name()).isPresent()) {
        existing.add(d.name());
        continue;
      }
      importer.importFile(world.resolve(d.file()), new DatasetImporter.Options(d.name(),
          d.format(), DatasetImporter.OnError.ABORT), JobContext.none());
      imported.add(d.name());
      ctx.checkCancelled();
    }
    ctx.progress(0.92, "copying the sample recipes");
    List<Path> recipes = copyRecipes(home);
    ctx.progress(1, "samples loaded");
    return new Loaded(world, imported, existing, suite(home), recipes);
  }

  /** The sample recipes (and the starter-model recipe) in {@code HOME/recipes}. */
  static List<Path> copyRecipes(Path home) {
    Path dir = recipesDir(home);
    List<Path> out = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (String name : RECIPES) {
        String text = resource(name);
        if (text == null) {
          continue; // not in this build
        }
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
          Files.writeString(f, text, StandardCharsets.UTF_8);
        }
        out.add(f);
      }
      Path starter = dir.resolve(STARTER_RECIPE);
      if (!Files.exists(starter)) {
        Files.writeString(starter, starterRecipeText(), StandardCharsets.UTF_8);
      }
      out.add(starter);
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": cannot write the sample recipes: "
          + e.getMessage(), e);
    }
    return out;
  }

  /**
   * The starter-model recipe: {@code olmo-tiny.yaml}'s generate and pretrain stages on their
   * own, so the welcome's "build the starter model" is a recipe run like any other (stored,
   * resumable, shown as a pipeline).
   */
  static String starterRecipeText() {
    String text = resource("olmo-tiny.yaml");
    if (text == null) {
      throw new TemperException("this build has no samples/recipes/olmo-tiny.yaml");
    }
    Recipe olmo = Recipe.parse(text, Path.of("olmo-tiny.yaml"));
    ObjectNode root = Recipe.YAML.createObjectNode();
    root.put("name", "starter-base");
    ArrayNode stages = root.putArray("stages");
    for (Recipe.Stage s : olmo.stages()) {
      if (s.algorithm().equals("generate") || s.algorithm().equals("pretrain")) {
        stages.add(s.node().deepCopy());
      }
      if (s.algorithm().equals("pretrain")) {
        break;
      }
    }
    try {
      return "# The starter base model: the story world and the pretraining stage of\n"
          + "# olmo-tiny.yaml (written by the welcome page's \"Load the samples\").\n"
          + Recipe.YAML.writeValueAsString(root).replaceFirst("^---\\s*\\n", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The library name of the starter base model: the pretrained checkpoint of the newest
   * finished {@code starter-base} recipe, if there is one.
   */
  public static Optional<String> starterModel(Workbench wb) {
    RecipeRepository repo = new RecipeRepository(wb.db().sql());
    List<RecipeRepository.RecipeRow> rows = new ArrayList<>(repo.list());
    Collections.reverse(rows);
    for (RecipeRepository.RecipeRow r : rows) {
      if (!r.name().equals("starter-base") || !r.status().equals("DONE")) {
        continue;
      }
      for (RecipeRepository.StageRow s : repo.stages(r.id())) {
        if (s.algorithm().equals("pretrain") && s.checkpoint() != null) {
          String path = Path.of(s.checkpoint()).toAbsolutePath().normalize().toString();
          return Optional.of(wb.db().models().findByPath(path).stream().findFirst()
              .map(m -> m.name()).orElse(path));
        }
      }
    }
    return Optional.empty();
  }

  /** The recipe files of {@code HOME/recipes}, by name. */
  public static List<Path> recipeFiles(Path home) {
    Path dir = recipesDir(home);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".yaml")
          || p.getFileName().toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  /** Evaluation suites kept in the home (the starter world's). */
  public static List<Path> suites(Path home) {
    Path s = suite(home);
    return Files.isRegularFile(s) ? List.of(s) : List.of();
  }

  private static String resource(String name) {
    try (InputStream in = StarterSamples.class.getResourceAsStream("/samples/recipes/" + name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
