package ai.temper.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.hf.Llama2cVocab;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random models and padded tokenizers written in llama2.c's formats read back as written. */
class Llama2cWriteTest {
  @TempDir Path dir;

  @Test
  void randomCheckpointReadsBackWithItsShape() {
    LlamaConfig c = LlamaConfig.llama(300, 32, 64, 2, 4, 2, 16, false);
    Path f = dir.resolve("m.bin");
    Llama2cCheckpoint.writeRandom(f, c, 3);
    Checkpoint back = Llama2cCheckpoint.read(f); // the reader checks the size against the header
    assertThat(back.config().vocabSize()).isEqualTo(300);
    assertThat(back.config().numKeyValueHeads()).isEqualTo(2);
    assertThat(back.config().tieWordEmbeddings()).isFalse();
    assertThat(back.config().parameterCount()).isEqualTo(c.parameterCount());
    float[] gain = back.weights().get("model.norm.weight").data();
    assertThat(gain).containsOnly(1f);
    float[] embed = back.weights().get("model.embed_tokens.weight").data();
    double sq = 0;
    for (float v : embed) {
      sq += v * v;
    }
    assertThat(Math.sqrt(sq / embed.length)).isBetween(0.018, 0.022);
    Llama2cCheckpoint.writeRandom(dir.resolve("same.bin"), c, 3);
    assertThat(Llama2cCheckpoint.read(dir.resolve("same.bin")).weights()
        .get("lm_head.weight").data()).containsExactly(back.weights().get("lm_head.weight")
        .data());
  }

  @Test
  void paddedTokenizerEncodesLikeTheOriginal() throws Exception {
    Stories260K.assumePresent();
    Llama2cVocab v = Llama2cVocab.read(Stories260K.TOKENIZER);
    Path f = dir.resolve("tokenizer.bin");
    v.padTo(2000).write(f);
    Llama2cVocab back = Llama2cVocab.read(f);
    assertThat(back.size()).isEqualTo(2000);
    assertThat(back.pieces().subList(0, v.size())).isEqualTo(v.pieces());
    Llama2cTokenizer a = Llama2cTokenizer.read(Stories260K.TOKENIZER);
    Llama2cTokenizer b = Llama2cTokenizer.read(f);
    String text = "Once upon a time, Lily had a red ball. <|user|>\nWrite a story!";
    assertThat(b.encode(text, true)).containsExactly(a.encode(text, true));
    assertThat(b.decode(new int[] {1999})).isEqualTo("<unused1999>");
    assertThat(Files.size(f)).isGreaterThan(Files.size(Stories260K.TOKENIZER));
  }
}
