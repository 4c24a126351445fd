package ai.temper.engine.train;

import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.Llama2cTokenizerConverter;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.models.ModelLocation;
import ai.temper.engine.models.ModelPreset;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * The starting point of a run: the base model's weights, its tokenizer (and the tokenizer
 * files a checkpoint carries along), and the chat encoder. A Hugging Face directory, a
 * llama2.c .bin with its tokenizer beside it, or, for pretraining, a new model of a preset
 * size initialised N(0, initializer_range).
 */
public final class BaseModel implements AutoCloseable {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final HfTokenizerFiles tokenizerFiles;
  private final ChatEncoder chat;
  private final String description;
  private Long libraryId;
  /** The source's generation_config.json (null if none): saved checkpoints keep it. */
  private com.fasterxml.jackson.databind.JsonNode generationConfig;
  /** The dtype the source stores its weights in: checkpoints are saved in it. */
  private ai.temper.engine.model.hf.DType storedDtype = ai.temper.engine.model.hf.DType.F32;

  private BaseModel(LlamaModel model, Tokenizer tokenizer, HfTokenizerFiles tokenizerFiles,
      ChatEncoder chat, String description) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.tokenizerFiles = tokenizerFiles;
    this.chat = chat;
    this.description = description;
  }

  /** Loads a base given by path (no model library). */
  public static BaseModel load(TrainConfig config) {
    return load(config, null);
  }

  /**
   * Loads (or, for pretraining from scratch, creates) the base of {@code config}; a name that
   * is no path is looked up in {@code library} (may be null).
   */
  public static BaseModel load(TrainConfig config, ModelLibrary library) {
    String name = config.modelNameOrPath();
    Path tokenizerPath = config.tokenizerName() == null ? null : Path.of(config.tokenizerName());
    if (name == null) {
      if (tokenizerPath == null) {
        throw new TemperException("Config field 'tokenizer_name' is required to create a model "
            + "from scratch (its vocabulary sizes the model)");
      }
      Loaded tok = tokenizer(tokenizerPath);
      TorchRuntime.configure(null);
      LlamaConfig shape = preset(config.modelSize(), tok.tokenizer);
      LlamaModel model = LlamaModel.create(shape, initialWeights(shape, config.initializerRange(),
          config.seed()));
      return new BaseModel(model, tok.tokenizer, tok.files, chat(config, tok.tokenizer),
          "new " + config.modelSize() + " model");
    }
    Path path = Path.of(name);
    Long libraryId = null;
    if (!Files.exists(path)) {
      if (library == null) {
        throw new TemperException("model_name_or_path: '" + name + "' is neither a model "
            + "directory nor a file");
      }
      ModelLocation loc = library.locate(name);
      path = loc.model();
      libraryId = loc.entry() == null ? null : loc.entry().id();
      if (tokenizerPath == null) {
        tokenizerPath = loc.tokenizer();
      }
    } else if (library != null) {
      ModelLocation loc = library.locate(path.toString());
      libraryId = loc.entry() == null ? null : loc.entry().id();
    }
    Checkpoint ckpt = ModelLoader.readCheckpoint(path, tokenizerPath);
    HfTokenizerFiles files = ckpt.tokenizer() instanceof HfTokenizer hf ? hf.files()
        : Llama2cTokenizerConverter.convert(tokenizerPath != null ? tokenizerPath
            : llama2cTokenizerBeside(path, ckpt.config()));
    TorchRuntime.configure(null);
    LlamaModel model = LlamaModel.create(ckpt);
    BaseModel base = new BaseModel(model, ckpt.tokenizer(), files,
        chat(config, ckpt.tokenizer()), name);
    base.libraryId = libraryId;
    if (Files.isDirectory(path)) {
      base.generationConfig = ai.temper.engine.model.hf.HfCheckpoint.readGenerationConfig(path);
      base.storedDtype = ai.temper.engine.model.hf.HfCheckpoint.storedDtype(path);
    }
    return base;
  }

  private record Loaded(Tokenizer tokenizer, HfTokenizerFiles files) {}

  private static Loaded tokenizer(Path p) {
    if (Files.isRegularFile(p) && p.toString().endsWith(".bin")) {
      return new Loaded(Llama2cTokenizer.read(p), Llama2cTokenizerConverter.convert(p));
    }
    HfTokenizer t = HfTokenizer.open(p);
    return new Loaded(t, t.files());
  }

  /** llama2.c keeps the tokenizer apart: tokenizer.bin or tok<vocab>.bin next to the model. */
  private static Path llama2cTokenizerBeside(Path model, LlamaConfig c) {
    Path dir = model.toAbsolutePath().getParent();
    for (String n : new String[] {"tokenizer.bin", "tok" + c.vocabSize() + ".bin"}) {
      if (Files.isRegularFile(dir.resolve(n))) {
        return dir.resolve(n);
      }
    }
    throw new TemperException(model + ": a llama2.c model needs its tokenizer; set "
        + "'tokenizer_name'");
  }

  private static ChatEncoder chat(TrainConfig config, Tokenizer tokenizer) {
    boolean bos = config.addBos();
    ChatTemplate own = ChatTemplate.forTokenizer(tokenizer);
    String name = config.chatTemplateName();
    if (name == null || name.isBlank()) {
      return new ChatEncoder(own, tokenizer, bos);
    }
    if (ChatTemplate.BUILTIN.contains(name)) {
      return new ChatEncoder(ChatTemplate.builtin(name, own.bosToken(), own.eosToken()),
          tokenizer, bos);
    }
    Path file = Path.of(name);
    try {
      return new ChatEncoder(ChatTemplate.of(Files.readString(file), own.bosToken(),
          own.eosToken()), tokenizer, bos);
    } catch (IOException e) {
      throw new TemperException("chat_template_name: cannot read " + file + " (use a built-in "
          + "name: " + String.join(", ", ChatTemplate.BUILTIN) + "; a .jinja file; or leave it "
          + "empty)");
    }
  }

  /** The shape of a preset (ModelPreset: tiny, small, medium) for this tokenizer. */
  static LlamaConfig preset(String size, Tokenizer tok) {
    try {
      return ModelPreset.parse(size).config(tok.vocabSize(), tok.bosId(), tok.eosId());
    } catch (TemperException e) {
      throw new TemperException("Config field 'model_size': " + e.getMessage());
    }
  }

  /** Weights N(0, std) from {@code seed}, RMSNorm gains 1, biases 0 (HF's _init_weights). */
  static StateDict initialWeights(LlamaConfig c, double std, long seed) {
    Random r = new Random(seed);
    StateDict sd = new StateDict();
    for (Map.Entry<String, long[]> e : LlamaModel.parameterShapes(c).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[Math.toIntExact(n)];
      String name = e.getKey();
      if (name.endsWith("norm.weight")) {
        java.util.Arrays.fill(v, 1f);
      } else if (!name.endsWith(".bias")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (r.nextGaussian() * std);
        }
      }
      sd.put(name, new Tensor(e.getValue(), v));
    }
    return sd;
  }

  public LlamaModel model() {
    return model;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The tokenizer as Hugging Face files, written into every checkpoint. */
  /** The dtype the base's weights are stored in (float32 for llama2.c and new models). */
  public ai.temper.engine.model.hf.DType storedDtype() {
    return storedDtype;
  }

  /** The base's generation_config.json, or null when it had none. */
  public com.fasterxml.jackson.databind.JsonNode generationConfig() {
    return generationConfig;
  }

  public HfTokenizerFiles tokenizerFiles() {
    return tokenizerFiles;
  }

  public ChatEncoder chat() {
    return chat;
  }

  /** The base's entry in the model library, or null (a bare path, or a new model). */
  public Long libraryId() {
    return libraryId;
  }

  public String description() {
    return description;
  }

  /** Closes the tokenizer; the model is owned by whoever wraps it for training. */
  @Override
  public void close() {
    tokenizer.close();
  }
}
