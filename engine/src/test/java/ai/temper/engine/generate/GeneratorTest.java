package ai.temper.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static LlamaModel model;
  static Llama2cTokenizer tokenizer;

  @BeforeAll
  static void load() {
    Stories260K.assumePresent();
    model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL));
    tokenizer = Llama2cTokenizer.read(Stories260K.TOKENIZER);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  static String reference(Path p) throws Exception {
    String s = Files.readString(p, StandardCharsets.UTF_8);
    return s.substring(0, s.length() - 1); // the file ends with the one newline printed
  }

  @Test
  void greedyFromEmptyPromptMatchesLlama2c() throws Exception {
    Generation g = new Generator(model, tokenizer)
        .generate("", SamplingParams.greedy(0).withMaxLength(256));
    assertThat(g.text()).isEqualTo(reference(Stories260K.REFERENCE));
    assertThat(g.promptIds().length + g.completionIds().length).isEqualTo(257);
  }

  @Test
  void greedyFromPromptsMatchesLlama2c() throws Exception {
    List<Generation> gs = new Generator(model, tokenizer).generate(
        List.of("Once upon a time", "Lily and Ben"), SamplingParams.greedy(0).withMaxLength(256),
        TokenListener.NONE);
    assertThat(gs.get(0).text()).isEqualTo(reference(Stories260K.REFERENCE));
    assertThat(gs.get(1).text()).isEqualTo(reference(Stories260K.REFERENCE_LILY));
  }
}
