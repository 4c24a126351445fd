package ai.temper.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte-level BPE tokenizer in the shape of Qwen2's (GPT-2 byte alphabet, ChatML specials,
 * no BOS), written by hand: special tokens from tokenizer_config.json in both spellings,
 * stop ids from generation_config.json, the chat template file, and streaming of characters
 * that span several byte tokens.
 */
class HfTokenizerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** GPT-2's bytes_to_unicode: the printable stand-in character of each byte. */
  static String[] byteChars() {
    List<Integer> bs = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) {
      bs.add(b);
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      bs.add(b);
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      bs.add(b);
    }
    String[] out = new String[256];
    for (int b : bs) {
      out[b] = String.valueOf((char) b);
    }
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (out[b] == null) {
        out[b] = String.valueOf((char) (256 + n++));
      }
    }
    return out;
  }

  void writeQwenLike(boolean configTemplate) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    for (int i = 0; i < specials.length; i++) {
      added.addObject().put("id", 256 + i).put("content", specials[i]).put("single_word", false)
          .put("lstrip", false).put("rstrip", false).put("normalized", false)
          .put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode bl = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
        .put("trim_offsets", false).put("use_regex", true);
    root.set("pre_tokenizer", bl);
    root.set("post_processor", bl.deepCopy());
    root.set("decoder", bl.deepCopy());
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout").putNull("unk_token")
        .put("continuing_subword_prefix", "").put("end_of_word_suffix", "")
        .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    String[] bc = byteChars();
    for (int b = 0; b < 256; b++) {
      vocab.put(bc[b], b);
    }
    model.putArray("merges");
    Files.writeString(dir.resolve("tokenizer.json"), root.toString());

    ObjectNode cfg = JSON.createObjectNode();
    cfg.putNull("bos_token");
    cfg.putObject("eos_token").put("__type", "AddedToken").put("content", "<|im_end|>");
    cfg.put("tokenizer_class", "Qwen2Tokenizer");
    if (configTemplate) {
      cfg.put("chat_template", "CONFIG TEMPLATE");
    }
    Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toString());
    Files.writeString(dir.resolve("special_tokens_map.json"),
        "{\"pad_token\": \"<|endoftext|>\", \"eos_token\": \"<|im_end|>\"}");
    Files.writeString(dir.resolve("generation_config.json"),
        "{\"eos_token_id\": [258, 256], \"bos_token_id\": 256}");
  }

  @Test
  void specialTokensComeFromConfigMapAndGenerationConfig() throws Exception {
    writeQwenLike(true);
    try (HfTokenizer t = HfTokenizer.open(dir)) {
      assertThat(t.vocabSize()).isEqualTo(259);
      assertThat(t.bosId()).isEqualTo(-1);
      assertThat(t.addsBos()).isFalse();
      assertThat(t.eosId()).isEqualTo(258);
      assertThat(t.padId()).isEqualTo(256);
      assertThat(t.stopIds()).containsExactly(256);
      assertThat(t.chatTemplate()).contains("CONFIG TEMPLATE");
      assertThat(t.isSpecial(257)).isTrue();
      int[] ids = t.encode("<|im_start|>user\nhi<|im_end|>", true);
      assertThat(ids[0]).isEqualTo(257);
      assertThat(ids[ids.length - 1]).isEqualTo(258);
      assertThat(ids).hasSize(1 + "user\nhi".length() + 1);
      assertThat(t.decode(ids)).isEqualTo("user\nhi");
    }
  }

  @Test
  void chatTemplateFileWinsOverTheConfig() throws Exception {
    writeQwenLike(true);
    Files.writeString(dir.resolve("chat_template.jinja"), "FILE TEMPLATE\n");
    try (HfTokenizer t = HfTokenizer.open(dir.resolve("tokenizer.json"))) {
      assertThat(t.chatTemplate()).contains("FILE TEMPLATE\n");
    }
  }

  @Test
  void byteLevelTextRoundTripsAndStreamsWholeCharacters() throws Exception {
    writeQwenLike(false);
    try (HfTokenizer t = HfTokenizer.open(dir)) {
      assertThat(t.chatTemplate()).isEmpty();
      String text = "héllo wörld 🙂 日本 — ok";
      int[] ids = t.encode(text, true);
      assertThat(ids).hasSize(text.getBytes(StandardCharsets.UTF_8).length);
      assertThat(t.decode(ids)).isEqualTo(text);
      Tokenizer.StreamDecoder d = t.newStreamDecoder();
      StringBuilder sb = new StringBuilder();
      List<String> pieces = new ArrayList<>();
      for (int id : ids) {
        String p = d.push(id);
        assertThat(p).doesNotContain("\uFFFD");
        pieces.add(p);
        sb.append(p);
      }
      assertThat(sb.toString()).isEqualTo(text);
      // the emoji's four byte tokens: three pushes give nothing, the fourth the character
      int at = "héllo wörld ".getBytes(StandardCharsets.UTF_8).length;
      assertThat(pieces.subList(at, at + 4)).containsExactly("", "", "", "🙂");
      // a 3000-character text is neither truncated nor padded (DJL's defaults would be)
      String longText = "abc ".repeat(750);
      assertThat(t.decode(t.encode(longText, false))).isEqualTo(longText);
      assertThat(t.encode(longText, false)).hasSize(3000);
    }
  }

  @Test
  void explicitAddBosTokenIsHonoured() throws Exception {
    writeQwenLike(false);
    ObjectNode cfg = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
    cfg.put("bos_token", "<|endoftext|>");
    cfg.put("add_bos_token", true);
    Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toString());
    try (HfTokenizer t = HfTokenizer.open(dir)) {
      assertThat(t.bosId()).isEqualTo(256);
      assertThat(t.encode("a", true)).containsExactly(256, 97);
      assertThat(t.encode("a", false)).hasSize(1);
    }
  }
}
