package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SFT loss mask, token by token, against the Tulu template the conversation renders to. */
class AssistantMaskTest {
  @BeforeAll
  static void present() {
    TrainFixtures.assumeStories();
  }

  @Test
  void onlyAssistantRepliesAndTheirEosAreTrained() throws Exception {
    JsonNode example = new ObjectMapper().readTree("""
        {"messages": [
          {"role": "system", "content": "You tell short stories."},
          {"role": "user", "content": "Tell me about a cat."},
          {"role": "assistant", "content": "Once upon a time, there was a cat named Tom."},
          {"role": "user", "content": "What did Tom do?"},
          {"role": "assistant", "content": "Tom played in the park."}]}""");
    try (Tokenizer tok = Llama2cTokenizer.read(Path.of("../shared/models/stories260K/tok512.bin"))) {
      ChatEncoder chat = ChatEncoder.forTokenizer(tok);
      DataStats stats = new DataStats();
      TokenSequence seq = new Encoder(tok, chat, 1024)
          .conversations(List.of(example), false, stats).get(0);
      String rendered = chat.template().render(Encoder.messages(example.get("messages")), false);
      assertThat(rendered).startsWith("<|system|>\nYou tell short stories.\n<|user|>\n");

      // walk the tokens: maximal runs of trained tokens must be exactly the assistant replies
      List<String> replies = List.of("Once upon a time, there was a cat named Tom.",
          "Tom played in the park.");
      List<int[]> runs = new ArrayList<>();
      int[] ids = seq.ids();
      boolean[] trained = seq.trained();
      for (int i = 0; i < ids.length; i++) {
        if (trained[i] && (i == 0 || !trained[i - 1])) {
          int j = i;
          while (j < ids.length && trained[j]) {
            j++;
          }
          runs.add(new int[] {i, j});
        }
      }
      assertThat(runs).hasSize(replies.size());
      for (int k = 0; k < runs.size(); k++) {
        int from = runs.get(k)[0];
        int to = runs.get(k)[1];
        // the reply's last trained token is EOS; the rest decodes to the reply itself
        assertThat(ids[to - 1]).isEqualTo(tok.eosId());
        assertThat(tok.decode(Arrays.copyOfRange(ids, from, to - 1))).isEqualTo(replies.get(k));
        // what precedes it is the template's generation prompt, untrained
        assertThat(tok.decode(Arrays.copyOfRange(ids, 0, from))).endsWith("<|assistant|>\n");
        // the newline after EOS belongs to the template, not to the reply
        if (to < ids.length) {
          assertThat(trained[to]).isFalse();
        }
      }
      // every untrained token is template or user/system text, in render order
      StringBuilder untrained = new StringBuilder();
      for (int i = 0; i < ids.length; i++) {
        if (!trained[i]) {
          untrained.append(tok.decode(new int[] {ids[i]}));
        }
      }
      String u = untrained.toString();
      assertThat(u).contains("You tell short stories.").contains("Tell me about a cat.")
          .contains("What did Tom do?").doesNotContain("Once upon").doesNotContain("played");
      assertThat(seq.trainedCount()).isEqualTo(stats.trainedTokens());
    }
  }

  @Test
  void truncationIsCountedAndEmptyTargetsAreSkipped() throws Exception {
    JsonNode example = new ObjectMapper().readTree("""
        {"messages": [{"role": "user", "content": "Tell me a long story about a dog."},
          {"role": "assistant", "content": "Once upon a time, there was a dog."}]}""");
    try (Tokenizer tok = Llama2cTokenizer.read(Path.of("../shared/models/stories260K/tok512.bin"))) {
      ChatEncoder chat = ChatEncoder.forTokenizer(tok);
      int full = new Encoder(tok, chat, 4096).conversations(List.of(example), false,
          new DataStats()).get(0).length();
      int promptOnly = chat.encodePrompt(List.of(ChatMessage.user(
          "Tell me a long story about a dog."))).length;
      DataStats cut = new DataStats();
      List<TokenSequence> kept = new Encoder(tok, chat, full - 3)
          .conversations(List.of(example), false, cut);
      assertThat(kept).hasSize(1);
      assertThat(cut.truncated()).isEqualTo(1);
      assertThat(cut.skipped()).isZero();
      DataStats none = new DataStats();
      assertThat(new Encoder(tok, chat, promptOnly).conversations(List.of(example), false, none))
          .isEmpty();
      assertThat(none.truncated()).isEqualTo(1);
      assertThat(none.skipped()).isEqualTo(1);
    }
  }
}
