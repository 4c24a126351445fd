package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.model.hf.Llama2cReferenceTokenizer;
import ai.temper.engine.model.hf.Llama2cTokenizerConverter;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Assistant-only masks, checked token by token, with the HF and the llama2.c tokenizers. */
class ChatEncoderTest {
  static final Path TOK = Path.of("../shared/models/stories260K/tok512.bin");
  static HfTokenizer hf;
  static Tokenizer llama2c;

  @BeforeAll
  static void load() {
    Assumptions.assumeTrue(Files.exists(TOK), "needs ../shared/models/stories260K/tok512.bin");
    hf = HfTokenizer.of(Llama2cTokenizerConverter.convert(TOK));
    llama2c = new Llama2cReferenceTokenizer(TOK);
  }

  @AfterAll
  static void close() {
    if (hf != null) {
      hf.close();
    }
  }

  /** The trained tokens, split into runs of consecutive positions. */
  static List<int[]> trainedRuns(ChatEncoder.Encoded e) {
    List<int[]> runs = new ArrayList<>();
    int i = 0;
    while (i < e.ids().length) {
      if (!e.trained()[i]) {
        i++;
        continue;
      }
      int j = i;
      while (j < e.ids().length && e.trained()[j]) {
        j++;
      }
      runs.add(Arrays.copyOfRange(e.ids(), i, j));
      i = j;
    }
    return runs;
  }

  @Test
  void tuluMaskTrainsExactlyTheRepliesAndTheirEos() {
    for (Tokenizer tok : List.of(hf, llama2c)) {
      ChatEncoder enc = ChatEncoder.forTokenizer(tok);
      ChatEncoder.Encoded e = enc.encodeForTraining(ChatTemplateTest.CHAT);
      assertThat(e.ids()[0]).isEqualTo(1); // BOS: the template writes none, the tokenizer adds it
      assertThat(e.trained()[0]).isFalse();
      List<int[]> runs = trainedRuns(e);
      assertThat(runs).hasSize(2);
      for (int r = 0; r < 2; r++) {
        int[] run = runs.get(r);
        assertThat(run[run.length - 1]).as("each reply ends with EOS").isEqualTo(2);
        int[] reply = Arrays.copyOf(run, run.length - 1);
        assertThat(hf.decode(reply)).isEqualTo(r == 0 ? "Hi!" : "4");
      }
      // every untrained token decodes to prompt text: the whole sequence is accounted for
      StringBuilder masked = new StringBuilder();
      for (int i = 0; i < e.ids().length; i++) {
        if (!e.trained()[i] && e.ids()[i] > 2) {
          masked.append(hf.tokenText(e.ids()[i]));
        }
      }
      assertThat(masked.toString().replace('\u2581', ' ')).contains("<|user|>").contains(
          "<|assistant|>").doesNotContain("Hi!");
    }
  }

  @Test
  void huggingFaceAndLlama2cTokenizersAgreeOnIdsAndMask() {
    ChatEncoder.Encoded a = ChatEncoder.forTokenizer(hf).encodeForTraining(ChatTemplateTest.CHAT);
    ChatEncoder.Encoded b = ChatEncoder.forTokenizer(llama2c)
        .encodeForTraining(ChatTemplateTest.CHAT);
    assertThat(a.ids()).containsExactly(b.ids());
    assertThat(a.trained()).containsExactly(b.trained());
    // the ids stand for the rendered conversation; text after a special token gets
    // sentencepiece's dummy-prefix space, as with Hugging Face's (legacy) Llama tokenizers
    assertThat(hf.decode(a.ids())).isEqualTo(ChatTemplate.tulu("<s>", "</s>")
        .render(ChatTemplateTest.CHAT, false).replace("</s>\n", " \n").replace("</s>", ""));
  }

  @Test
  void tokenStraddlingTheReplyBoundaryGoesToTheReply() {
    // the prompt ends "Assistant: " and the reply starts "Once": BPE makes one token "▁Once"
    // across the boundary, which goes to the reply
    ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% if m.role == 'user' %}"
        + "User: {{ m.content }}\n{% else %}Assistant: {{ m.content + eos_token }}\n{% endif %}"
        + "{% if loop.last and add_generation_prompt %}Assistant: {% endif %}{% endfor %}",
        "<s>", "</s>");
    List<ChatMessage> conv = List.of(ChatMessage.user("Tell a story"),
        ChatMessage.assistant("Once upon a time"));
    for (Tokenizer tok : List.of(hf, llama2c)) {
      ChatEncoder.Encoded e = new ChatEncoder(t, tok).encodeForTraining(conv);
      List<int[]> runs = trainedRuns(e);
      assertThat(runs).hasSize(1);
      int[] run = runs.get(0);
      assertThat(hf.tokenText(run[0])).isEqualTo("\u2581Once");
      int eos = 0;
      while (run[eos] != 2) {
        eos++;
      }
      assertThat(hf.decode(Arrays.copyOf(run, eos))).isEqualTo("Once upon a time");
    }
  }

  @Test
  void promptEndsWithTheGenerationPrompt() {
    ChatEncoder enc = ChatEncoder.forTokenizer(hf);
    int[] ids = enc.encodePrompt(List.of(ChatMessage.user("Hello")));
    assertThat(ids[0]).isEqualTo(1);
    assertThat(hf.decode(ids)).isEqualTo("<|user|>\nHello\n<|assistant|>\n");
  }
}
