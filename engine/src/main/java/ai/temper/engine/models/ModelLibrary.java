package ai.temper.engine.models;

import ai.temper.engine.FileTrees;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelFormat;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.models.hub.HubFile;
import ai.temper.engine.models.hub.HubIntegrityException;
import ai.temper.engine.models.hub.HubRepoInfo;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.ModelKind;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.store.ModelRepository.NewModel;
import ai.temper.engine.store.ModelRepository;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.engine.store.RunRepository;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench's model library: base models added from disk or the Hugging Face Hub or
 * created from scratch, the checkpoints runs trained from them and adapters with their base.
 * Files either stay where they are (by reference) or live in the home's model cache
 * ({@code home/models}), which the library owns: a download or copy is assembled in
 * {@code models/.staging} and moved into place in one step only once complete and verified,
 * and registered in the database only after that.
 */
public final class ModelLibrary {
  public static final String STAGING_DIR = ".staging";

  private static final Logger LOG = LoggerFactory.getLogger(ModelLibrary.class);
  private static final ObjectMapper JSON = Json.MAPPER;
  /** Staging folders in use by a running pull, so two pulls never write the same files. */
  private static final Set<Path> BUSY = ConcurrentHashMap.newKeySet();

  private final ModelRepository models;
  private final RunRepository runs;
  private final Path modelsDir;

  public ModelLibrary(Workbench workbench) {
    this(workbench.db(), workbench.modelsDir());
  }

  public ModelLibrary(Database db, Path modelsDir) {
    this.models = db.models();
    this.runs = db.runs();
    this.modelsDir = modelsDir.toAbsolutePath().normalize();
  }

  public Path modelsDir() {
    return modelsDir;
  }

  public Path stagingDir() {
    return modelsDir.resolve(STAGING_DIR);
  }

  // ---------------------------------------------------------------- looking up

  /** Every model, base models, checkpoints and adapters, in the order they were added. */
  public List<ModelRow> list() {
    return models.list();
  }

  public ModelRow get(long id) {
    return models.find(id).orElseThrow(() -> new TemperException("No model with id " + id
        + " in the library."));
  }

  /** The model with this id or exact name. */
  public Optional<ModelRow> find(String idOrName) {
    String s = idOrName.strip();
    if (s.matches("\\d{1,18}")) {
      Optional<ModelRow> byId = models.find(Long.parseLong(s));
      if (byId.isPresent()) {
        return byId;
      }
    }
    List<ModelRow> named = models.findByName(s);
    if (named.size() > 1) {
      throw new TemperException("Several models are named '" + s + "' (ids "
          + named.stream().map(m -> Long.toString(m.id())).toList() + "): use the id.");
    }
    return named.stream().findFirst();
  }

  /** Like {@link #find} but fails with a message naming what was asked. */
  public ModelRow resolve(String idOrName) {
    return find(idOrName).orElseThrow(() -> new TemperException("No model '" + idOrName
        + "' in the library (see: temper models list)."));
  }

  /**
   * Where to load a model from, given a library id or name, or a path on disk (an HF folder or
   * a llama2.c file, whose tokenizer is looked for beside it).
   */
  public ModelLocation locate(String idNameOrPath) {
    Optional<ModelRow> row = find(idNameOrPath);
    if (row.isPresent()) {
      ModelRow m = row.get();
      return new ModelLocation(Path.of(m.path()),
          m.tokenizerPath() == null ? null : Path.of(m.tokenizerPath()), m);
    }
    Path p = Path.of(idNameOrPath).toAbsolutePath().normalize();
    if (Files.exists(p)) {
      Path tok = Files.isRegularFile(p) ? ModelInspector.findTokenizer(p) : null;
      return new ModelLocation(p, tok, null);
    }
    throw new TemperException("'" + idNameOrPath + "' is neither a model in the library nor a "
        + "file or folder (see: temper models list).");
  }

  // ---------------------------------------------------------------- adding from disk

  /**
   * How to add a model from disk.
   *
   * @param name      the library name; null for the file or folder name
   * @param copy      copy the files into the home's model cache instead of referring to them
   * @param tokenizer a llama2.c tokenizer file; null to find it beside the model
   * @param base      for an adapter folder: the id or name of its base model; null to match
   *                  its adapter_config.json's base_model_name_or_path against the library
   */
  public record ImportOptions(String name, boolean copy, Path tokenizer, String base) {
    public static ImportOptions byReference() {
      return new ImportOptions(null, false, null, null);
    }
  }

  /**
   * Adds a base model (HF folder, llama2.c file or a folder holding one) or an adapter folder.
   * With {@code copy}, the files are copied into the model cache (staged, then moved into
   * place) and removed with the entry; otherwise the entry points at them.
   */
  public ModelRow importLocal(Path source, ImportOptions options, JobContext ctx) {
    ModelInspection ins = ModelInspector.inspect(source, options.tokenizer());
    String path = ins.path().toString();
    if (!options.copy()) {
      for (ModelRow m : models.findByPath(path)) {
        throw new TemperException(path + " is already in the library as '" + m.name() + "' (id "
            + m.id() + ").");
      }
    }
    String name = options.name() != null && !options.name().isBlank() ? options.name().strip()
        : uniqueName(defaultName(ins.path()));
    requireFreeName(name);
    Long parentId = null;
    ModelKind kind = ModelKind.BASE;
    if (ins.isAdapter()) {
      kind = ModelKind.ADAPTER;
      parentId = adapterBase(ins, options.base()).map(ModelRow::id).orElse(null);
    }
    String sourceText = "local:" + path;
    if (!options.copy()) {
      return register(ins, name, kind, parentId, null, null, sourceText, false);
    }
    ModelInspection copied = copyIntoCache(ins, name, ctx);
    try {
      return register(copied, name, kind, parentId, null, null, sourceText, true);
    } catch (RuntimeException e) {
      FileTrees.deleteQuietly(folderOf(copied));
      throw e;
    }
  }

  private static String defaultName(Path p) {
    String n = p.getFileName().toString();
    return Files.isRegularFile(p) && n.endsWith(".bin") ? n.substring(0, n.length() - 4) : n;
  }

  private Optional<ModelRow> adapterBase(ModelInspection ins, String base) {
    if (base != null && !base.isBlank()) {
      return Optional.of(resolve(base));
    }
    String declared = ins.adapterBase();
    if (declared == null) {
      return Optional.empty();
    }
    Optional<ModelRow> byName = find(declared);
    if (byName.isPresent()) {
      return byName;
    }
    return models.findBySource(hubSource(declared, null)).stream().findFirst()
        .or(() -> list().stream().filter(m -> m.source() != null
            && m.source().startsWith("hub:" + declared + "@")).findFirst());
  }

  private ModelInspection copyIntoCache(ModelInspection ins, String name, JobContext ctx) {
    List<Path> sources = new ArrayList<>();
    if (ins.format() == ModelFormat.LLAMA2C) {
      sources.add(ins.path());
      if (ins.tokenizer() != null) {
        sources.add(ins.tokenizer());
      }
    } else {
      Path dir = ins.path();
      List<String> names = ins.files().stream().map(ModelFile::name).toList();
      String index = null;
      for (String idx : List.of(ModelFileSelection.INDEX, ModelFileSelection.ADAPTER_INDEX)) {
        if (names.contains(idx)) {
          index = readString(dir.resolve(idx));
        }
      }
      for (String n : ModelFileSelection.select(names, index, dir.toString())) {
        sources.add(dir.resolve(n));
      }
    }
    long total = 0;
    for (Path p : sources) {
      total += ModelInspector.size(p);
    }
    Path staged = stagingDir().resolve("import-" + UUID.randomUUID());
    try {
      Files.createDirectories(staged);
      long[] done = {0};
      long all = total;
      for (Path p : sources) {
        String fileName = p.getFileName().toString();
        ctx.progress(all == 0 ? -1 : (double) done[0] / all, "copying " + fileName);
        FileOps.copy(p, staged.resolve(fileName), ctx, n -> {
          done[0] += n;
          ctx.progress(all == 0 ? -1 : (double) done[0] / all, "copying " + fileName + ": "
              + Sizes.bytes(done[0]) + " of " + Sizes.bytes(all));
        });
      }
      Path target = install(staged, name);
      Path model = ins.format() == ModelFormat.LLAMA2C
          ? target.resolve(ins.path().getFileName()) : target;
      Path tok = ins.tokenizer() == null || ins.format() != ModelFormat.LLAMA2C ? null
          : target.resolve(ins.tokenizer().getFileName());
      return ModelInspector.inspect(model, tok);
    } catch (IOException e) {
      FileTrees.deleteQuietly(staged);
      throw FileOps.io("Cannot copy " + ins.path() + " into the model cache", e);
    } catch (RuntimeException e) {
      FileTrees.deleteQuietly(staged);
      throw e;
    }
  }

  /** Moves a complete staged folder into the model cache under a fresh folder name. */
  Path install(Path staged, String name) throws IOException {
    Files.createDirectories(modelsDir);
    Path target = FileOps.freshChild(modelsDir, FileOps.slug(name));
    FileOps.moveAtomically(staged, target);
    return target;
  }

  /** The folder a model's files live in (a llama2.c file's folder). */
  private static Path folderOf(ModelInspection ins) {
    return ins.format() == ModelFormat.LLAMA2C ? ins.path().getParent() : ins.path();
  }

  private ModelRow register(ModelInspection ins, String name, ModelKind kind, Long parentId,
      Long runId, Long step, String source, boolean owned) {
    NewModel m = new NewModel(name, kind, ins.path().toString(), ins.format().id(),
        ins.config() == null ? null : ins.config().architecture(),
        ins.parameters() > 0 ? ins.parameters() : null, parentId, runId, step, source,
        ins.config() == null ? null : ins.config().toJson().toString(),
        ins.format() == ModelFormat.LLAMA2C && ins.tokenizer() != null
            ? ins.tokenizer().toString() : null,
        owned, ins.totalBytes());
    long id = kind == ModelKind.CHECKPOINT && runId != null
        ? models.insertCheckpoint(m) : models.insert(m);
    return get(id);
  }

  // ---------------------------------------------------------------- trained models

  /**
   * Records a checkpoint a run saved (an HF folder, normally under the home's checkpoints
   * folder): its base, its run (the run's kind is the algorithm, its datasets the data) and
   * step. Idempotent: registering the same path again returns the existing entry. The files
   * stay the run's; removing the entry does not delete them.
   *
   * @param baseModelId the library id of the model the run started from, or null
   */
  public ModelRow registerCheckpoint(long runId, Long baseModelId, Path path, long step) {
    Path p = path.toAbsolutePath().normalize();
    for (ModelRow m : models.findByPath(p.toString())) {
      if (m.kind() == ModelKind.CHECKPOINT) {
        return m;
      }
    }
    Run run = runs.find(runId).orElseThrow(() -> new TemperException("No run with id " + runId
        + "."));
    if (baseModelId != null) {
      get(baseModelId);
    }
    ModelInspection ins = ModelInspector.inspect(p, null);
    String runName = run.name() == null || run.name().isBlank() ? "run-" + runId : run.name();
    String name = uniqueName(runName + "/step-" + step);
    return register(ins, name, ModelKind.CHECKPOINT, baseModelId, runId, step,
        "run:" + runId, false);
  }

  /**
   * Records a LoRA adapter (a PEFT folder) with its base; {@code runId} is the run that
   * trained it, or null for one added from disk.
   */
  public ModelRow registerAdapter(Long runId, long baseModelId, Path path, String name) {
    Path p = path.toAbsolutePath().normalize();
    get(baseModelId);
    ModelInspection ins = ModelInspector.inspect(p, null);
    if (!ins.isAdapter()) {
      throw new TemperException(p + ": not an adapter folder (no adapter_config.json)");
    }
    String n = name != null && !name.isBlank() ? name : uniqueName(
        (runId == null ? p.getFileName().toString() : "run-" + runId) + "/adapter");
    requireFreeName(n);
    return register(ins, n, ModelKind.ADAPTER, baseModelId, runId, null,
        runId == null ? "local:" + p : "run:" + runId, false);
  }

  // ---------------------------------------------------------------- showing

  /** What the Models page and {@code temper models show} display for one model. */
  public ModelDetails details(long id) {
    ModelRow m = get(id);
    Path path = Path.of(m.path());
    boolean present = Files.exists(path);
    String problem = present ? null : "the files are gone from " + path;
    LlamaConfig config = storedConfig(m);
    long params = m.parameters() == null ? 0 : m.parameters();
    String tokenizerKind = m.tokenizerPath() != null ? "llama2.c tokenizer ("
        + Path.of(m.tokenizerPath()).getFileName() + ")" : "unknown";
    Path tokenizer = m.tokenizerPath() == null ? null : Path.of(m.tokenizerPath());
    boolean template = false;
    List<ModelFile> files = List.of();
    if (present) {
      try {
        ModelInspection ins = ModelInspector.inspect(path, tokenizer, config);
        config = ins.config();
        params = ins.parameters();
        tokenizerKind = ins.tokenizerKind();
        tokenizer = ins.tokenizer();
        template = ins.chatTemplate();
        files = ins.files();
      } catch (TemperException e) {
        problem = e.getMessage();
      }
    }
    ModelRow parent = m.parentId() == null ? null : models.find(m.parentId()).orElse(null);
    Run run = m.runId() == null ? null : runs.find(m.runId()).orElse(null);
    return new ModelDetails(m, present, problem, config, params,
        config == null ? null : MemoryEstimate.of(config, storedDtype(path, present)),
        tokenizerKind, tokenizer, template,
        files, parent, run, models.children(id), models.evalResults(id, m.path()));
  }

  /** The precision a model's weights are stored in (float32 for llama2.c files). */
  private static ai.temper.engine.model.hf.DType storedDtype(Path path, boolean present) {
    if (present && ai.temper.engine.model.hf.HfCheckpoint.isModelDir(path)) {
      try {
        return ai.temper.engine.model.hf.HfCheckpoint.storedDtype(path);
      } catch (TemperException e) {
        return ai.temper.engine.model.hf.DType.F32;
      }
    }
    return ai.temper.engine.model.hf.DType.F32;
  }

  private static LlamaConfig storedConfig(ModelRow m) {
    if (m.config() == null) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(m.config());
      return LlamaConfig.fromJson(n, "stored config of model " + m.id());
    } catch (IOException | TemperException e) {
      return null;
    }
  }

  /** The lineage forest: every base (or orphaned) model with what was trained from it. */
  public List<LineageNode> lineage() {
    List<ModelRow> all = models.list();
    Map<Long, ModelRow> byId = new HashMap<>();
    Map<Long, List<ModelRow>> children = new LinkedHashMap<>();
    for (ModelRow m : all) {
      byId.put(m.id(), m);
    }
    List<ModelRow> roots = new ArrayList<>();
    for (ModelRow m : all) {
      if (m.parentId() != null && byId.containsKey(m.parentId()) && m.parentId() != m.id()) {
        children.computeIfAbsent(m.parentId(), k -> new ArrayList<>()).add(m);
      } else {
        roots.add(m);
      }
    }
    Map<Long, Run> runCache = new HashMap<>();
    List<LineageNode> out = new ArrayList<>();
    for (ModelRow r : roots) {
      out.add(node(r, children, runCache, new HashSet<>()));
    }
    return out;
  }

  /** The tree that holds {@code id}, from its root base model down. */
  public LineageNode lineageOf(long id) {
    for (LineageNode root : lineage()) {
      if (contains(root, id)) {
        return root;
      }
    }
    throw new TemperException("No model with id " + id + " in the library.");
  }

  private static boolean contains(LineageNode n, long id) {
    if (n.model().id() == id) {
      return true;
    }
    for (LineageNode c : n.children()) {
      if (contains(c, id)) {
        return true;
      }
    }
    return false;
  }

  private LineageNode node(ModelRow m, Map<Long, List<ModelRow>> children, Map<Long, Run> runCache,
      Set<Long> seen) {
    seen.add(m.id());
    List<LineageNode> kids = new ArrayList<>();
    for (ModelRow c : children.getOrDefault(m.id(), List.of())) {
      if (!seen.contains(c.id())) {
        kids.add(node(c, children, runCache, seen));
      }
    }
    Run run = m.runId() == null ? null
        : runCache.computeIfAbsent(m.runId(), r -> runs.find(r).orElse(null));
    return new LineageNode(m, run, List.copyOf(kids));
  }

  // ---------------------------------------------------------------- removing

  /**
   * Removes a model from the library. Files in the model cache go with it; files added by
   * reference or saved by a run stay on disk. A model with checkpoints or adapters is kept
   * unless {@code force}, which leaves them in the library without a base.
   */
  public void remove(long id, boolean force) {
    ModelRow m = get(id);
    List<ModelRow> kids = models.children(id);
    if (!kids.isEmpty() && !force) {
      throw new TemperException("'" + m.name() + "' is the base of " + kids.size()
          + " checkpoint(s)/adapter(s) (" + String.join(", ", kids.stream().limit(5)
              .map(ModelRow::name).toList()) + (kids.size() > 5 ? ", ..." : "")
          + "): remove those first, or force it (they stay, without a base).");
    }
    Path folder = ownedFolder(m);
    Path trash = null;
    if (folder != null && Files.exists(folder)) {
      // Out of sight first, so a failure halfway never leaves a listed model with half its files.
      trash = stagingDir().resolve("removed-" + id + "-" + UUID.randomUUID());
      try {
        Files.createDirectories(stagingDir());
        FileOps.moveAtomically(folder, trash);
      } catch (IOException e) {
        throw FileOps.io("Cannot remove " + folder, e);
      }
    }
    try {
      models.delete(id);
    } catch (RuntimeException e) {
      if (trash != null) {
        try {
          FileOps.moveAtomically(trash, folder);
        } catch (IOException restore) {
          e.addSuppressed(restore);
        }
      }
      throw e;
    }
    if (trash != null) {
      try {
        FileTrees.delete(trash);
      } catch (IOException e) {
        LOG.warn("Could not delete {} after removing model {}: {}", trash, id, e.getMessage());
      }
    }
  }

  /** The model-cache folder an owned model lives in; null if the library must not delete it. */
  private Path ownedFolder(ModelRow m) {
    if (!m.owned()) {
      return null;
    }
    Path p = Path.of(m.path()).toAbsolutePath().normalize();
    Path folder = ModelFormat.of(m.format()) == ModelFormat.LLAMA2C ? p.getParent() : p;
    // Only a direct child of the cache, never the cache itself or anything outside it.
    if (folder == null || !modelsDir.equals(folder.getParent())
        || folder.getFileName().toString().startsWith(".")) {
      return null;
    }
    return folder;
  }

  // ---------------------------------------------------------------- the Hub

  static String hubSource(String repoId, String sha) {
    return "hub:" + repoId + "@" + (sha == null ? "" : sha);
  }

  /**
   * Downloads a model from the Hugging Face Hub into the model cache and registers it: only
   * the files a model needs (config, safetensors weights, tokenizer files, chat template,
   * licence), all at the commit {@code revision} resolves to, each verified against the size
   * and hash the Hub lists. An interrupted or cancelled pull leaves its partial files in
   * {@code models/.staging} and the next pull of the same commit resumes them; a file that
   * fails verification rejects the whole pull and clears its staging folder. Nothing is in
   * the library until everything is verified and moved into place.
   *
   * @param revision a branch, tag or commit; null for "main"
   */
  public ModelRow pull(HubClient hub, String repoId, String revision, JobContext ctx) {
    String repo = HubClient.checkRepoId(repoId);
    String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
    ctx.progress(-1, "asking " + hub.endpoint() + " about " + repo + "@" + rev);
    HubRepoInfo info = hub.repoInfo(repo, rev);
    String source = hubSource(repo, info.sha());
    for (ModelRow m : models.findBySource(source)) {
      if (Files.exists(Path.of(m.path()))) {
        ctx.progress(1, repo + "@" + rev + " is already in the library as '" + m.name() + "'");
        return m;
      }
    }
    if (info.file("config.json").isEmpty()) {
      throw new TemperException(repo + "@" + rev + " has no config.json: not a transformers "
          + "model repository");
    }
    Path staging = stagingDir().resolve(FileOps.slug(repo) + "@" + FileOps.slug(info.sha()));
    if (!BUSY.add(staging)) {
      throw new TemperException(repo + "@" + rev + " is already being downloaded.");
    }
    try {
      Files.createDirectories(staging);
      return pullInto(hub, info, rev, staging, source, ctx);
    } catch (HubIntegrityException e) {
      FileTrees.deleteQuietly(staging);
      throw e;
    } catch (CancellationException e) {
      LOG.info("Pull of {} cancelled; partial files stay in {} to resume", repo, staging);
      throw e;
    } catch (IOException e) {
      throw FileOps.io("Cannot download " + repo + " into " + staging, e);
    } finally {
      BUSY.remove(staging);
    }
  }

  private ModelRow pullInto(HubClient hub, HubRepoInfo info, String rev, Path staging,
      String source, JobContext ctx) throws IOException {
    String repo = info.repoId();
    String where = repo + "@" + rev;
    List<String> available = info.paths();
    String indexJson = null;
    Optional<HubFile> index = info.file(ModelFileSelection.INDEX);
    if (index.isPresent()) {
      hub.download(repo, info.sha(), index.get(), staging.resolve(ModelFileSelection.INDEX), ctx,
          (f, b) -> { });
      indexJson = readString(staging.resolve(ModelFileSelection.INDEX));
    }
    List<String> wanted = ModelFileSelection.select(available, indexJson, where);
    if (wanted.stream().noneMatch(ModelFileSelection::isWeights)) {
      List<String> pickles = ModelFileSelection.pickles(available);
      FileTrees.deleteQuietly(staging);
      throw new TemperException(where + " has no safetensors weights" + (pickles.isEmpty() ? ""
          : " (only PyTorch pickle files: " + String.join(", ", pickles) + "; Temper never "
              + "unpickles them)") + ".");
    }
    List<HubFile> files = new ArrayList<>();
    for (String n : wanted) {
      files.add(info.file(n).orElseThrow());
    }
    // Small files first: config.json tells whether Temper can run the model at all before
    // gigabytes of weights come down.
    files.sort((a, b) -> Boolean.compare(ModelFileSelection.isWeights(a.path()),
        ModelFileSelection.isWeights(b.path())));
    checkFreeSpace(staging, files, where);
    PullProgress progress = new PullProgress(ctx, files);
    boolean checked = false;
    for (HubFile f : files) {
      ctx.checkCancelled();
      if (!checked && ModelFileSelection.isWeights(f.path())) {
        checkRunnable(staging, where);
        checked = true;
      }
      Path target = staging.resolve(f.path());
      if (Files.exists(target) && Files.size(target) == f.size()) {
        progress.at(f, f.size()); // verified by an earlier, interrupted pull
        continue;
      }
      hub.download(repo, info.sha(), f, target, ctx, progress);
    }
    if (!checked) {
      checkRunnable(staging, where);
    }
    progress.message("checking the model");
    ModelInspection staged = ModelInspector.inspect(staging, null);
    String name = uniqueName(rev.equals("main") ? repo : repo + "@" + rev);
    Path installed = install(staging, name);
    try {
      ModelInspection ins = ModelInspector.inspect(installed, null);
      ModelRow row = register(ins, name, ModelKind.BASE, null, null, null, source, true);
      ctx.progress(1, "downloaded " + Sizes.bytes(staged.totalBytes()) + " into " + installed);
      return row;
    } catch (RuntimeException e) {
      FileTrees.deleteQuietly(installed);
      throw e;
    }
  }

  /** Refuses a download that cannot fit, before it fills the disk. */
  private static void checkFreeSpace(Path staging, List<HubFile> files, String where)
      throws IOException {
    long needed = 0;
    for (HubFile f : files) {
      Path done = staging.resolve(f.path());
      Path part = staging.resolve(f.path() + HubClient.PARTIAL_SUFFIX);
      long have = Files.exists(done) ? Files.size(done) : Files.exists(part) ? Files.size(part) : 0;
      needed += Math.max(0, f.size() - have);
    }
    long free = Files.getFileStore(staging).getUsableSpace();
    if (needed > free) {
      try (var left = Files.list(staging)) {
        if (left.findAny().isEmpty()) {
          Files.delete(staging); // nothing to resume
        }
      }
      throw new TemperException(where + " needs " + Sizes.bytes(needed) + " more, but only "
          + Sizes.bytes(free) + " is free under " + staging.getParent());
    }
  }

  /** Refuses an architecture Temper cannot run, before the weights are fetched. */
  private static void checkRunnable(Path staging, String where) {
    try {
      LlamaConfig.read(staging.resolve("config.json"));
    } catch (TemperException e) {
      FileTrees.deleteQuietly(staging);
      throw new TemperException(where + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- from scratch

  /**
   * A new model to pretrain from scratch.
   *
   * @param tokenizerFrom the id, name or path of a model whose tokenizer it takes (and whose
   *                      vocabulary size, BOS and EOS ids); e.g. stories260K for the 512-token
   *                      llama2.c tokenizer
   * @param name          the library name; null for "PRESET-scratch"
   * @param seed          the initialisation seed
   */
  public record CreateOptions(ModelPreset preset, String tokenizerFrom, String name, long seed) {}

  /**
   * Creates a randomly initialised model of a preset shape with the tokenizer of an existing
   * model, written as a Hugging Face folder into the model cache and registered as a base.
   */
  public ModelRow create(CreateOptions o, JobContext ctx) {
    if (o.tokenizerFrom() == null || o.tokenizerFrom().isBlank()) {
      throw new TemperException("A new model needs a tokenizer: name a model to take it from "
          + "(e.g. stories260K for a 512-token vocabulary).");
    }
    ModelLocation src = locate(o.tokenizerFrom());
    ModelInspection from = ModelInspector.inspect(src.model(), src.tokenizer());
    if (from.config() == null || from.tokenizer() == null) {
      throw new TemperException("'" + o.tokenizerFrom() + "' has no tokenizer Temper reads ("
          + from.tokenizerKind() + "): pick a model with tokenizer.json or a llama2.c tokenizer.");
    }
    LlamaConfig source = from.config();
    LlamaConfig config = o.preset().config(source.vocabSize(), source.bosTokenId(),
        source.eosTokenId());
    String name = o.name() != null && !o.name().isBlank() ? o.name().strip()
        : uniqueName(o.preset().id() + "-scratch");
    requireFreeName(name);
    ctx.progress(0, "initialising " + Sizes.parameters(config.parameterCount()) + " parameters");
    var weights = ScratchModel.initialise(config, o.seed(), ctx);
    Path staged = stagingDir().resolve("create-" + UUID.randomUUID());
    Path installed = null;
    try {
      Files.createDirectories(staged);
      ctx.progress(0.9, "writing " + name);
      ScratchWriter.write(staged, config, weights, from);
      installed = install(staged, name);
      ModelInspection ins = ModelInspector.inspect(installed, null);
      String tokenizerName = src.entry() != null ? src.entry().name() : src.model().toString();
      ModelRow row = register(ins, name, ModelKind.BASE, null, null, null,
          "scratch:" + o.preset().id() + " seed " + o.seed() + ", tokenizer of " + tokenizerName,
          true);
      ctx.progress(1, "created " + name);
      return row;
    } catch (IOException e) {
      FileTrees.deleteQuietly(staged);
      throw FileOps.io("Cannot write the new model " + name, e);
    } catch (RuntimeException e) {
      FileTrees.deleteQuietly(staged);
      if (installed != null) {
        FileTrees.deleteQuietly(installed);
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- names

  /** {@code base}, or base-2, base-3... if a model already has that name. */
  public String uniqueName(String base) {
    String n = base;
    for (int i = 2; models.nameTaken(n); i++) {
      n = base + "-" + i;
    }
    return n;
  }

  private void requireFreeName(String name) {
    if (name.isBlank()) {
      throw new TemperException("A model name must not be empty.");
    }
    if (models.nameTaken(name)) {
      throw new TemperException("A model named '" + name + "' is already in the library; "
          + "choose another name.");
    }
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw FileOps.io("Cannot read " + p, e);
    }
  }
}
