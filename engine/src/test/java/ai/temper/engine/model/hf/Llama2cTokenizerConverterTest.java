package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Llama2cTokenizerConverterTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  static final Path GSM8K = Path.of("../shared/data/gsm8k/test.jsonl");
  static Llama2cVocab vocab;
  static Llama2cReference ref;
  static HfTokenizer hf;

  @BeforeAll
  static void load() {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    vocab = Llama2cVocab.read(TOK);
    ref = new Llama2cReference(vocab);
    hf = HfTokenizer.of(Llama2cTokenizerConverter.convert(TOK));
  }

  @AfterAll
  static void close() {
    if (hf != null) {
      hf.close();
    }
  }

  static List<String> samples() throws IOException {
    List<String> s = new ArrayList<>(List.of(
        "", "Once upon a time", "Lily and Ben", "Once upon a time, there was a little girl.",
        " leading space", "trailing space ", "two  spaces   and three", "\ttab and\nnewline\n",
        "Digits 0123456789 and 3.14159, 1,000,000!", "café naïve Grüße déjà vu",
        "日本語のテキスト", "Привет, мир", "emoji 🙂👍🏽 and 🇫🇷 flags", "a", " ", "  ",
        "\"quoted\" (parens) [brackets] {braces} <angle> |pipe| ~tilde~ \\back\\ %",
        "The end.\n\nA new story: Tom's dog didn't bark.", "ALL CAPS TEXT", "x".repeat(300),
        "€100 ™ ’curly’ — dash … ellipsis"));
    if (Files.exists(GSM8K)) {
      ObjectMapper json = new ObjectMapper();
      try (Stream<String> lines = Files.lines(GSM8K)) {
        lines.limit(150).forEach(l -> {
          try {
            var n = json.readTree(l);
            s.add(n.get("question").asText());
            s.add(n.get("answer").asText());
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
      }
    }
    return s;
  }

  @Test
  void convertedTokenizerEncodesLikeLlama2c() throws IOException {
    for (String text : samples()) {
      int[] want = ref.encode(text, true);
      assertThat(hf.encode(text, true)).as("ids of %s", text).containsExactly(want);
      assertThat(hf.encode(text, false)).as("ids of %s without BOS", text)
          .containsExactly(ref.encode(text, false));
    }
  }

  @Test
  void convertedTokenizerDecodesLikeLlama2c() throws IOException {
    for (String text : samples()) {
      int[] ids = ref.encode(text, true);
      assertThat(hf.decode(ids)).as("decode of %s", text).isEqualTo(ref.decode(ids));
      assertThat(ref.decode(ids)).isEqualTo(text.startsWith(" ") ? text : text);
    }
  }

  @Test
  void streamDecoderYieldsWholeCharactersAndTheSameText() throws IOException {
    for (String text : samples()) {
      int[] ids = ref.encode(text, true);
      Tokenizer.StreamDecoder d = hf.newStreamDecoder();
      StringBuilder sb = new StringBuilder();
      for (int id : ids) {
        String piece = d.push(id);
        assertThat(piece).doesNotContain("\uFFFD");
        sb.append(piece);
      }
      assertThat(sb.toString()).as("stream of %s", text).isEqualTo(hf.decode(ids));
    }
  }

  @Test
  void specialTokensAndVocabularyMatchTheLlama2cIds() {
    assertThat(hf.vocabSize()).isEqualTo(512);
    assertThat(hf.bosId()).isEqualTo(1);
    assertThat(hf.eosId()).isEqualTo(2);
    assertThat(hf.padId()).isEqualTo(2);
    assertThat(hf.addsBos()).isTrue();
    assertThat(hf.tokenText(3)).isEqualTo("<0x00>");
    assertThat(hf.tokenText(259)).isEqualTo("\u2581t");
    assertThat(hf.tokenText(1)).isEqualTo("<s>");
    // llama2.c's decode of the greedy reference tokens starts without a space
    assertThat(hf.decode(new int[] {1, hf.idOf("\u2581Once")})).isEqualTo("Once");
  }
}
