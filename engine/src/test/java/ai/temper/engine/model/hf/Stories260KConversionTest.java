package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stories260K converted to a Hugging Face directory keeps every tensor of the llama2.c reader
 * and generates the llama2.c reference text byte for byte (HF's forward, in plain Java, over
 * the directory as read back, with the converted tokenizer.json). transformers 5.17 was checked to print the
 * same three texts from the same directory (generate, max_length=257, greedy).
 */
class Stories260KConversionTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  static final Path REF = Path.of("../shared/reference/stories260K-greedy-256.txt");
  static final Path REF_LILY = Path.of("../shared/reference/stories260K-greedy-256-lily-and-ben.txt");
  @TempDir static Path tmp;
  static Checkpoint source;
  static Path dir;

  @BeforeAll
  static void convert() throws Exception {
    Assumptions.assumeTrue(Files.exists(MODEL) && Files.exists(TOK),
        "needs ../shared/models/stories260K");
    source = Llama2cCheckpoint.read(MODEL);
    dir = tmp.resolve("stories260K-hf");
    Llama2cToHf.convert(MODEL, TOK, dir, DType.F32);
  }

  @Test
  void convertedDirectoryHoldsExactlyTheExpectedTensors() throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertThat(f.entries()).hasSize(2 + 9 * 5); // embeddings, final norm, 9 per layer; tied
      assertThat(f.entry("lm_head.weight")).isNull();
      assertThat(f.entry("model.layers.4.self_attn.k_proj.weight").shape()).containsExactly(32, 64);
      assertThat(f.entry("model.embed_tokens.weight").shape()).containsExactly(512, 64);
    }
    HfCheckpointTest.assertSameWeights(HfCheckpoint.readContents(dir).weights(),
        source.weights());
    assertThat(Files.readString(dir.resolve("config.json")))
        .contains("\"num_key_value_heads\" : 4").contains("\"tie_word_embeddings\" : true")
        .contains("\"max_position_embeddings\" : 512");
  }

  /** run.c with steps=256: BOS plus 256 generated tokens, stopping early at BOS. */
  static String greedy(Checkpoint ck, Tokenizer tok, String prompt) {
    int[] seq = ReferenceLlama.greedy(ck.config(), ck.weights(), tok.encode(prompt, true), 257,
        Set.of(1, 2));
    return tok.decode(seq) + "\n";
  }

  @Test
  void convertedDirectoryGeneratesTheReferenceText() throws Exception {
    Checkpoint ck = HfCheckpoint.read(dir);
    try (Tokenizer tok = ck.tokenizer()) {
      String ref = Files.readString(REF);
      assertThat(greedy(ck, tok, "")).isEqualTo(ref);
      assertThat(greedy(ck, tok, "Once upon a time")).isEqualTo(ref);
      assertThat(greedy(ck, tok, "Lily and Ben")).isEqualTo(Files.readString(REF_LILY));
    }
  }
}
