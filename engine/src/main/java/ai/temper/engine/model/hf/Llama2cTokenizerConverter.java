package ai.temper.engine.model.hf;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a llama2.c tokenizer into a Hugging Face tokenizer.json that encodes exactly as
 * llama2.c does, in the shape of Llama 2's own tokenizer.json:
 *
 * <ul>
 *   <li>normalizer: prepend "▁" (sentencepiece's dummy prefix; nothing for empty text), then
 *       spaces become "▁" (llama2.c files store "▁" as a space);
 *   <li>model: BPE with byte_fallback over the same ids; a character missing from the vocab
 *       becomes its UTF-8 bytes as {@code <0xXX>} tokens, as in llama2.c;
 *   <li>merges from the scores: llama2.c repeatedly merges the adjacent pair whose
 *       concatenation is the highest-scoring piece. Every way of writing a piece as two pieces
 *       is a merge, ranked by that piece's score (best first), so BPE's lowest-rank-first rule
 *       picks the same pair. (The two differ only when two different splits of one piece are
 *       both possible at once and interfere, which does not happen in practice);
 *   <li>decoder: "▁" back to space, bytes fused back into UTF-8, the first leading space
 *       stripped (llama2.c strips the space of the token after BOS);
 *   <li>post-processor: BOS before the text, as llama2.c's encode does.
 * </ul>
 */
public final class Llama2cTokenizerConverter {
  static final String SPACE = "\u2581";
  private static final ObjectMapper JSON = Json.MAPPER;

  private Llama2cTokenizerConverter() {}

  /** Converts the tokenizer file at {@code tokenizerBin}. */
  public static HfTokenizerFiles convert(Path tokenizerBin) {
    return convert(Llama2cVocab.read(tokenizerBin), tokenizerBin.toString());
  }

  /** The Hugging Face name of each id: specials renamed, spaces as "▁". */
  static List<String> hfNames(Llama2cVocab v, String where) {
    List<String> names = new ArrayList<>(v.size());
    Set<String> seen = new HashSet<>();
    for (int id = 0; id < v.size(); id++) {
      String name = switch (id) {
        case Llama2cVocab.UNK -> "<unk>";
        case Llama2cVocab.BOS -> "<s>";
        case Llama2cVocab.EOS -> "</s>";
        default -> v.pieces().get(id).replace(" ", SPACE);
      };
      if (!seen.add(name)) {
        throw new TemperException(where + ": token " + id + " '" + name
            + "' occurs twice; cannot build a tokenizer.json");
      }
      names.add(name);
    }
    return names;
  }

  public static HfTokenizerFiles convert(Llama2cVocab v, String where) {
    List<String> names = hfNames(v, where);
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      ids.put(names.get(i), i);
    }

    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < 3; id++) {
      ObjectNode t = added.addObject();
      t.put("id", id);
      t.put("content", names.get(id));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", "Sequence");
    ArrayNode norms = norm.putArray("normalizers");
    norms.addObject().put("type", "Prepend").put("prepend", SPACE);
    ObjectNode replace = norms.addObject().put("type", "Replace");
    replace.putObject("pattern").put("String", " ");
    replace.put("content", SPACE);
    root.putNull("pre_tokenizer");

    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
    bos.put("id", "<s>");
    bos.putArray("ids").add(Llama2cVocab.BOS);
    bos.putArray("tokens").add("<s>");

    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "Sequence");
    ArrayNode decs = dec.putArray("decoders");
    ObjectNode rep = decs.addObject().put("type", "Replace");
    rep.putObject("pattern").put("String", SPACE);
    rep.put("content", " ");
    decs.addObject().put("type", "ByteFallback");
    decs.addObject().put("type", "Fuse");
    decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", "<unk>");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < names.size(); i++) {
      vocab.put(names.get(i), i);
    }
    ArrayNode merges = model.putArray("merges");
    for (int[] m : merges(v, names, ids)) {
      merges.addArray().add(names.get(m[0])).add(names.get(m[1]));
    }

    ObjectNode config = JSON.createObjectNode();
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    config.put("add_bos_token", true);
    config.put("add_eos_token", false);
    config.put("bos_token", "<s>");
    config.put("eos_token", "</s>");
    config.put("unk_token", "<unk>");
    config.putNull("pad_token");
    config.put("clean_up_tokenization_spaces", false);
    config.put("legacy", true);
    ObjectNode decoder = config.putObject("added_tokens_decoder");
    for (int id = 0; id < 3; id++) {
      decoder.putObject(Integer.toString(id))
          .put("content", names.get(id)).put("lstrip", false).put("normalized", false)
          .put("rstrip", false).put("single_word", false).put("special", true);
    }
    ObjectNode special = JSON.createObjectNode();
    special.put("bos_token", "<s>");
    special.put("eos_token", "</s>");
    special.put("unk_token", "<unk>");
    return new HfTokenizerFiles(root.toString(), config, special, null);
  }

  /**
   * Every (left, right, result) with left + right = result, all three ordinary pieces, sorted
   * by the result's score (best first), then by the ids of left and right.
   */
  static List<int[]> merges(Llama2cVocab v, List<String> names, Map<String, Integer> ids) {
    List<int[]> out = new ArrayList<>();
    for (int id = 0; id < names.size(); id++) {
      if (!ordinary(v, id)) {
        continue;
      }
      String piece = names.get(id);
      for (int k = piece.offsetByCodePoints(0, 1); k < piece.length();
          k = piece.offsetByCodePoints(k, 1)) {
        Integer l = ids.get(piece.substring(0, k));
        Integer r = ids.get(piece.substring(k));
        if (l != null && r != null && ordinary(v, l) && ordinary(v, r)) {
          out.add(new int[] {l, r, id});
        }
      }
    }
    out.sort(Comparator.<int[]>comparingDouble(m -> -v.scores()[m[2]])
        .thenComparingInt(m -> m[2]).thenComparingInt(m -> m[0]).thenComparingInt(m -> m[1]));
    return out;
  }

  private static boolean ordinary(Llama2cVocab v, int id) {
    return id > Llama2cVocab.EOS && !v.isByte(id);
  }
}
