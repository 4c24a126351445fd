package ai.temper.engine.recipe;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.store.RecipeRepository;
import ai.temper.engine.store.RecipeRepository.RecipeRow;
import ai.temper.engine.store.RecipeRepository.StageRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recipes a home knows, for the GUI: the files in {@code HOME/recipes}, files named by a
 * stored recipe run, and files opened this session; each with its newest stored run (the one
 * {@link RecipeRunner} would continue) and its stages as stored, or as waiting when the file
 * has not run yet.
 */
public final class RecipeBook {
  /** A recipe file, parsed (or why not), with its newest stored run of this text. */
  public record Entry(Path file, String name, Recipe recipe, String error, RecipeRow latest) {
    public boolean valid() {
      return recipe != null;
    }
  }

  /** A stage as the pipeline shows it; status PENDING, RUNNING, DONE or FAILED. */
  public record StageState(int index, String name, String algorithm, String status, Long runId,
      String checkpoint, String error) {}

  private final Workbench wb;
  private final RecipeRepository repo;

  public RecipeBook(Workbench wb) {
    this.wb = wb;
    this.repo = new RecipeRepository(wb.db().sql());
  }

  public RecipeRepository repository() {
    return repo;
  }

  /** The home's recipe files, then those of stored runs, then {@code extra}; no duplicates. */
  public List<Entry> list(List<Path> extra) {
    Map<Path, Entry> out = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>(StarterSamples.recipeFiles(wb.home()));
    for (RecipeRow r : repo.list()) {
      files.add(Path.of(r.path()));
    }
    files.addAll(extra);
    for (Path f : files) {
      Path p = f.toAbsolutePath().normalize();
      if (!out.containsKey(p) && Files.isRegularFile(p)) {
        out.put(p, entry(p));
      }
    }
    return List.copyOf(out.values());
  }

  /** One file, read now. */
  public Entry entry(Path file) {
    Path p = file.toAbsolutePath().normalize();
    try {
      Recipe r = Recipe.load(p);
      return new Entry(p, r.name(), r, null, repo.latest(r.sha256()).orElse(null));
    } catch (TemperException e) {
      return new Entry(p, String.valueOf(p.getFileName()), null, e.getMessage(), null);
    }
  }

  /** The entry's stages: stored ones when it has run, else the file's, all waiting. */
  public List<StageState> stages(Entry e) {
    if (e.latest() != null) {
      List<StageState> out = new ArrayList<>();
      for (StageRow s : repo.stages(e.latest().id())) {
        out.add(new StageState(s.idx(), s.name(), s.algorithm(), s.status(), s.runId(),
            s.checkpoint(), s.error()));
      }
      return out;
    }
    List<StageState> out = new ArrayList<>();
    if (e.recipe() != null) {
      List<Recipe.Stage> st = e.recipe().stages();
      for (int i = 0; i < st.size(); i++) {
        out.add(new StageState(i, st.get(i).name(), st.get(i).algorithm(), "PENDING", null,
            null, null));
      }
    }
    return out;
  }

  /** Every stored recipe run, newest first. */
  public List<RecipeRow> runs() {
    List<RecipeRow> all = new ArrayList<>(repo.list());
    java.util.Collections.reverse(all);
    return all;
  }

  /** The stage x task table of a stored recipe run (eval stages so far). */
  public RecipeRunner.ResultsTable table(long recipeId) {
    RecipeRow row = repo.find(recipeId).orElseThrow(
        () -> new TemperException("No recipe run #" + recipeId));
    return new RecipeRunner(wb, line -> { }).table(recipe(row).orElse(null), row.id());
  }

  private static Optional<Recipe> recipe(RecipeRow row) {
    try {
      return Optional.of(Recipe.load(Path.of(row.path())));
    } catch (TemperException e) {
      return Optional.empty();
    }
  }
}
