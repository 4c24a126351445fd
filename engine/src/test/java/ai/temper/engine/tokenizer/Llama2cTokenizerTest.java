package ai.temper.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Stories260K;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
  static Llama2cTokenizer tok;

  @BeforeAll
  static void load() {
    Stories260K.assumePresent();
    tok = Llama2cTokenizer.read(Stories260K.TOKENIZER);
  }

  @Test
  void readsTheVocabulary() {
    assertThat(tok.vocabSize()).isEqualTo(512);
    assertThat(tok.bosId()).isEqualTo(1);
    assertThat(tok.eosId()).isEqualTo(2);
    assertThat(tok.tokenText(3)).isEqualTo("<0x00>");
    assertThat(tok.tokenText(259)).isEqualTo(" t");
    assertThat(tok.stopIds()).containsExactly(1);
  }

  @Test
  void encodesTheReferencePromptsAsRunCDoes() {
    // dummy-prefix space, then merges by score: " Once" " upon" " a" " time"
    assertThat(tok.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
    assertThat(tok.encode("Lily and Ben", true)).containsExactly(1, 317, 269, 368, 302);
    assertThat(tok.encode("", true)).containsExactly(1);
    assertThat(tok.encode("", false)).isEmpty();
    int[] noBos = tok.encode("Once upon a time", false);
    assertThat(noBos).containsExactly(403, 407, 261, 378);
  }

  @Test
  void decodeStripsTheSpaceAfterBosAndDropsSpecialTokens() {
    assertThat(tok.decode(new int[] {1, 403, 407, 261, 378})).isEqualTo("Once upon a time");
    assertThat(tok.decode(new int[] {403, 407})).isEqualTo(" Once upon");
    assertThat(tok.decode(new int[] {1, 403, 2})).isEqualTo("Once");
  }

  @Test
  void unknownCharactersFallBackToBytesAndRoundTrip() {
    for (String s : new String[] {"Once upon a time", "Tom said, \"Hi!\"\nThe end.", "café 😀 naïve",
        "a\tb", "  two spaces", "ünïcödé ☃"}) {
      int[] ids = tok.encode(s, true);
      assertThat(tok.decode(ids)).as(s).isEqualTo(s);
    }
    int[] snowman = tok.encode("☃", false);
    // " " then the three UTF-8 bytes E2 98 83 as <0xXX> tokens (ids 3 + byte)
    assertThat(Arrays.copyOfRange(snowman, snowman.length - 3, snowman.length))
        .containsExactly(3 + 0xE2, 3 + 0x98, 3 + 0x83);
  }

  @Test
  void streamDecoderPiecesConcatenateToTheDecodedText() {
    String s = "Once 😀 upon a café";
    int[] ids = tok.encode(s, true);
    Tokenizer.StreamDecoder d = tok.newStreamDecoder();
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      String piece = d.push(id);
      assertThat(piece).doesNotContain("\uFFFD"); // never half a character
      sb.append(piece);
    }
    assertThat(sb.toString()).isEqualTo(s);
  }

  @Test
  void truncatedOrForeignFilesGiveClearErrors(@TempDir Path dir) throws Exception {
    byte[] all = Files.readAllBytes(Stories260K.TOKENIZER);
    Path cut = dir.resolve("cut.bin");
    Files.write(cut, Arrays.copyOf(all, all.length - 3));
    assertThatThrownBy(() -> Llama2cTokenizer.read(cut)).isInstanceOf(TemperException.class)
        .hasMessageContaining(cut.toString()).hasMessageContaining("truncated");
    Path text = dir.resolve("text.bin");
    Files.writeString(text, "hello, this is not a tokenizer at all");
    assertThatThrownBy(() -> Llama2cTokenizer.read(text)).isInstanceOf(TemperException.class)
        .hasMessageContaining(text.toString());
  }
}
