package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cToHfTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  @TempDir Path tmp;

  @Test
  void convertedDirectoryStopsLikeRunCAndKeepsTheWeights() throws Exception {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    LlamaConfig c = TinyLlamas.llamaTied(512);
    StateDict w = TinyLlamas.random(c, 21);
    Path out = tmp.resolve("hf");
    Llama2cToHf.write(out, new Checkpoint(c, w, "synthetic.bin"), Llama2cVocab.read(TOK),
        DType.F32);
    HfCheckpoint.Contents back = HfCheckpoint.readContents(out);
    HfCheckpointTest.assertSameWeights(back.weights(), w);
    assertThat(back.generationConfig().get("eos_token_id").toString()).isEqualTo("[2,1]");
    assertThat(back.tokenizer().tokenizerConfig().get("model_max_length").asInt()).isEqualTo(32);
    try (HfTokenizer t = back.openTokenizer()) {
      assertThat(t.eosId()).isEqualTo(2);
      assertThat(t.stopIds()).containsExactly(1);
      assertThat(t.addsBos()).isTrue();
    }
  }

  @Test
  void savingWithTheLlama2cTokenizerWritesTheConvertedTokenizerJson() {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    LlamaConfig c = TinyLlamas.llamaTied(512);
    Path out = tmp.resolve("saved");
    try (Llama2cTokenizer t = Llama2cTokenizer.read(TOK)) {
      HfCheckpoint.write(out, c, TinyLlamas.random(c, 5), t, null);
    }
    assertThat(HfCheckpoint.readContents(out).tokenizer().tokenizerJson())
        .isEqualTo(Llama2cTokenizerConverter.convert(TOK).tokenizerJson());
  }

  @Test
  void vocabularyFromPiecesAndScoresConvertsLikeTheFile() {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    Llama2cVocab file = Llama2cVocab.read(TOK);
    Llama2cVocab copy = Llama2cVocab.of(file.pieces(), file.scores());
    assertThat(Llama2cTokenizerConverter.convert(copy, "x").tokenizerJson())
        .isEqualTo(Llama2cTokenizerConverter.convert(file, "x").tokenizerJson());
  }
}
