package ai.temper.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face tokenizer (tokenizer.json through DJL's native tokenizers, offline) with the
 * special tokens, BOS policy and chat template of tokenizer_config.json /
 * special_tokens_map.json / chat_template.jinja.
 *
 * <p>BOS: {@code encode(text, true)} does what transformers' {@code tokenizer(text)} does:
 * it prepends BOS when tokenizer_config's add_bos_token says so, or, when that is absent,
 * when tokenizer.json's post-processor adds it (Llama 2 and 3 yes, Qwen2 no). EOS is never
 * appended by encode.
 */
public final class HfTokenizer implements Tokenizer {
  private static final ObjectMapper JSON = Json.MAPPER;

  static {
    // DJL's tokenizer factory "calls home" (EC2 metadata address, then a telemetry URL)
    // unless tracking is opted out; Temper runs offline and sends nothing anywhere.
    if (System.getenv("OPT_OUT_TRACKING") == null
        && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  private final HuggingFaceTokenizer native_;
  private final HfTokenizerFiles files;
  private final String[] idToToken;
  private final Map<String, Integer> tokenToId;
  private final Set<Integer> specialIds;
  private final String bosToken;
  private final String eosToken;
  private final String padToken;
  private final int bos;
  private final int eos;
  private final int pad;
  private final boolean addBos;
  private final List<Integer> stopIds;

  private HfTokenizer(HuggingFaceTokenizer hf, HfTokenizerFiles files, String where,
      List<Integer> extraEos) {
    this.native_ = hf;
    this.files = files;
    JsonNode root;
    try {
      root = JSON.readTree(files.tokenizerJson());
    } catch (IOException e) {
      throw new TemperException(where + ": invalid tokenizer.json: " + FileErrors.reason(e), e);
    }
    tokenToId = new HashMap<>();
    specialIds = new HashSet<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        var e = it.next();
        tokenToId.put(e.getKey(), e.getValue().asInt());
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
      for (int i = 0; i < vocab.size(); i++) {
        tokenToId.put(vocab.get(i).get(0).asText(), i);
      }
    }
    for (JsonNode t : root.path("added_tokens")) {
      tokenToId.put(t.path("content").asText(), t.path("id").asInt());
      if (t.path("special").asBoolean(false)) {
        specialIds.add(t.path("id").asInt());
      }
    }
    int max = -1;
    for (int id : tokenToId.values()) {
      max = Math.max(max, id);
    }
    idToToken = new String[max + 1];
    tokenToId.forEach((k, v) -> {
      if (v >= 0) {
        idToToken[v] = k;
      }
    });

    JsonNode cfg = files.tokenizerConfig();
    JsonNode map = files.specialTokensMap();
    bosToken = tokenString(cfg, map, "bos_token");
    eosToken = tokenString(cfg, map, "eos_token");
    padToken = tokenString(cfg, map, "pad_token");
    bos = idOf(bosToken);
    eos = idOf(eosToken);
    int p = idOf(padToken);
    pad = p >= 0 ? p : eos;
    JsonNode add = cfg.get("add_bos_token");
    if (add != null && add.isBoolean()) {
      addBos = add.asBoolean() && bos >= 0;
    } else {
      // no explicit setting: the post-processor decides, as in transformers
      long[] probe = hf.encode("a", true, false).getIds();
      addBos = bos >= 0 && probe.length > 0 && probe[0] == bos;
    }
    Set<Integer> stops = new LinkedHashSet<>();
    for (int id : extraEos) {
      if (id != eos && id >= 0 && id < idToToken.length) {
        stops.add(id);
      }
    }
    stopIds = List.copyOf(stops);
  }

  /**
   * Opens the tokenizer of a model directory (or its tokenizer.json). Extra stop ids come from
   * generation_config.json / config.json eos_token_id beside it.
   */
  public static HfTokenizer open(Path dirOrFile) {
    HfTokenizerFiles files = HfTokenizerFiles.read(dirOrFile);
    Path dir = Files.isDirectory(dirOrFile) ? dirOrFile
        : dirOrFile.toAbsolutePath().getParent();
    List<Integer> eosIds = new ArrayList<>();
    eosIds.addAll(eosIds(dir.resolve("generation_config.json")));
    eosIds.addAll(eosIds(dir.resolve("config.json")));
    return of(files, dir.toString(), eosIds);
  }

  /** A tokenizer over in-memory files (e.g. one converted from llama2.c). */
  public static HfTokenizer of(HfTokenizerFiles files) {
    return of(files, "tokenizer", List.of());
  }

  private static HfTokenizer of(HfTokenizerFiles files, String where, List<Integer> eosIds) {
    HuggingFaceTokenizer hf;
    try {
      // no truncation, no padding, specials under our control (DJL's defaults truncate to 512)
      hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(
              files.tokenizerJson().getBytes(StandardCharsets.UTF_8)),
          Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException | RuntimeException e) {
      throw new TemperException(where + ": cannot load tokenizer.json: "
          + FileErrors.withoutQuotes(e.getMessage()), e);
    }
    try {
      return new HfTokenizer(hf, files, where, eosIds);
    } catch (RuntimeException e) {
      hf.close();
      throw e;
    }
  }

  private static List<Integer> eosIds(Path json) {
    if (!Files.isRegularFile(json)) {
      return List.of();
    }
    try {
      JsonNode n = JSON.readTree(Files.readString(json)).path("eos_token_id");
      List<Integer> out = new ArrayList<>();
      if (n.isArray()) {
        n.forEach(v -> out.add(v.asInt()));
      } else if (n.isNumber()) {
        out.add(n.asInt());
      }
      return out;
    } catch (IOException e) {
      throw new TemperException(json + ": " + FileErrors.reason(e), e);
    }
  }

  /** A special token's text: tokenizer_config first, then special_tokens_map; null if none. */
  private static String tokenString(JsonNode cfg, JsonNode map, String key) {
    for (JsonNode src : new JsonNode[] {cfg, map}) {
      if (src == null) {
        continue;
      }
      JsonNode v = src.get(key);
      if (v == null || v.isNull()) {
        continue;
      }
      if (v.isTextual()) {
        return v.asText();
      }
      if (v.isObject() && v.has("content")) {
        return v.get("content").asText();
      }
    }
    return null;
  }

  /** The id of token text {@code token} (exact vocabulary entry), or -1. */
  public int idOf(String token) {
    if (token == null) {
      return -1;
    }
    Integer id = tokenToId.get(token);
    return id == null ? -1 : id;
  }

  public HfTokenizerFiles files() {
    return files;
  }

  public Optional<String> chatTemplate() {
    return Optional.ofNullable(files.chatTemplate());
  }

  /** bos_token text, or null. */
  public String bosToken() {
    return bosToken;
  }

  /** eos_token text, or null. */
  public String eosToken() {
    return eosToken;
  }

  public String padToken() {
    return padToken;
  }

  /** Whether {@code encode(text, true)} prepends BOS. */
  public boolean addsBos() {
    return addBos;
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    long[] ids = native_.encode(text, false, false).getIds();
    boolean prepend = addBos && this.addBos;
    int[] out = new int[ids.length + (prepend ? 1 : 0)];
    int at = 0;
    if (prepend) {
      out[at++] = bos;
    }
    for (long id : ids) {
      out[at++] = (int) id;
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return native_.decode(l, true);
  }

  /**
   * Streams text as tokens arrive, the way text-generation servers do: decode a short window
   * of recent tokens and emit what it adds beyond the window's previous text, holding back
   * while the text ends in an incomplete UTF-8 sequence (U+FFFD). Decoding a window rather
   * than single tokens keeps word-boundary spaces and multi-token characters right.
   */
  @Override
  public StreamDecoder newStreamDecoder() {
    return new StreamDecoder() {
      private final List<Integer> ids = new ArrayList<>();
      private int prefix;
      private int read;

      @Override
      public String push(int id) {
        ids.add(id);
        String before = decode(window(prefix, read));
        String now = decode(window(prefix, ids.size()));
        if (now.length() > before.length() && !now.endsWith("\uFFFD")) {
          String delta = now.substring(before.length());
          prefix = read;
          read = ids.size();
          return delta;
        }
        return "";
      }

      private int[] window(int from, int to) {
        int[] w = new int[to - from];
        for (int i = from; i < to; i++) {
          w[i - from] = ids.get(i);
        }
        return w;
      }
    };
  }

  @Override
  public int vocabSize() {
    return idToToken.length;
  }

  @Override
  public int bosId() {
    return bos;
  }

  @Override
  public int eosId() {
    return eos;
  }

  @Override
  public int padId() {
    return pad;
  }

  @Override
  public String tokenText(int id) {
    return id >= 0 && id < idToToken.length && idToToken[id] != null ? idToToken[id] : "";
  }

  /** Whether {@code id} is a special added token (BOS, EOS, chat markers). */
  public boolean isSpecial(int id) {
    return specialIds.contains(id);
  }

  @Override
  public List<Integer> stopIds() {
    return stopIds;
  }

  @Override
  public void close() {
    native_.close();
  }
}
