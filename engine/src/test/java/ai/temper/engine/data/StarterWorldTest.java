package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.eval.EvalSuite;
import ai.temper.engine.eval.EvalTask;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The starter world: every file written, seeded, its tokenizer real, its splits disjoint. */
class StarterWorldTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path a;
  @TempDir Path b;

  @Test
  void writesEveryFileDeterministicallyWithATokenizerThatRoundTrips() throws Exception {
    StoryWorld.Starter s = StoryWorld.writeStarter(a, 11);
    StoryWorld.writeStarter(b, 11);
    for (String f : List.of("pretrain.jsonl", "sft.jsonl", "prefs.jsonl", "rlvr-train.jsonl",
        "rlvr-heldout.jsonl", "tokenizer.bin", "eval/suite.yaml", "eval/stories-dev.jsonl",
        "eval/stories-unseen.jsonl", "eval/follow-dev.jsonl", "eval/follow-unseen.jsonl",
        "eval/kind-dev.jsonl", "eval/kind-unseen.jsonl", "eval/place-dev.jsonl",
        "eval/place-unseen.jsonl")) {
      assertThat(Files.readAllBytes(a.resolve(f))).as(f).isEqualTo(
          Files.readAllBytes(b.resolve(f)));
    }
    assertThat(s.pretrain()).isEqualTo(3000);

    Llama2cTokenizer tok = Llama2cTokenizer.read(a.resolve("tokenizer.bin"));
    assertThat(tok.vocabSize()).isEqualTo(512);
    String story = JSON.readTree(Files.readAllLines(a.resolve("pretrain.jsonl")).get(0))
        .get("text").asText();
    int[] ids = tok.encode(story, true);
    assertThat(tok.decode(ids)).isEqualTo(story);
    // the learnt merges make words single tokens: far fewer tokens than characters
    assertThat(ids.length).isLessThan(story.length() * 2 / 5);
    // text outside the corpus still encodes (byte fallback) and round-trips
    assertThat(tok.decode(tok.encode("Zoë ate 3 pies!", true))).isEqualTo("Zoë ate 3 pies!");

    // held-out names never occur in the training files
    String train = Files.readString(a.resolve("pretrain.jsonl"))
        + Files.readString(a.resolve("sft.jsonl")) + Files.readString(a.resolve("prefs.jsonl"));
    for (String name : StoryWorld.HELDOUT_NAMES) {
      assertThat(train).doesNotContain(name);
    }
    assertThat(Files.readString(a.resolve("eval/stories-unseen.jsonl")))
        .containsAnyOf(StoryWorld.HELDOUT_NAMES.toArray(new String[0]));

    // preference pairs share the prompt and differ in the answer; the chosen one follows the
    // instruction and ends kindly (what the kind task checks), the rejected one does not
    int unkindRejected = 0;
    List<String> pairs = Files.readAllLines(a.resolve("prefs.jsonl"));
    for (String line : pairs) {
      JsonNode pair = JSON.readTree(line);
      assertThat(pair.get("chosen").get(0)).isEqualTo(pair.get("rejected").get(0));
      String chosen = pair.get("chosen").get(1).get("content").asText();
      String rejected = pair.get("rejected").get(1).get("content").asText();
      assertThat(chosen).isNotEqualTo(rejected);
      assertThat(StoryWorld.kindEndingSentences()).anyMatch(chosen::endsWith);
      if (StoryWorld.kindEndingSentences().stream().noneMatch(rejected::endsWith)) {
        unkindRejected++;
        // same story up to the ending
        assertThat(rejected.substring(0, rejected.indexOf("One day")))
            .isEqualTo(chosen.substring(0, chosen.indexOf("One day")));
      }
    }
    assertThat(unkindRejected).isBetween(pairs.size() / 2, pairs.size() * 5 / 6);
    // SFT answers name who and what the instruction asks for
    for (String line : Files.readAllLines(a.resolve("sft.jsonl"))) {
      JsonNode m = JSON.readTree(line).get("messages");
      String want = m.get(0).get("content").asText().replace("Write a story about ", "")
          .replace(".", "");
      String name = want.split(" who has a ")[0];
      String thing = want.split(" who has a ")[1];
      assertThat(m.get(1).get("content").asText()).contains("named " + name + ".")
          .contains(name + " had a " + thing + ".");
    }
    // RLVR rows: the name-colour-object constraint and the place, a place SFT never asks for
    JsonNode rl = JSON.readTree(Files.readAllLines(a.resolve("rlvr-train.jsonl")).get(0));
    assertThat(JSON.readTree(rl.get("ground_truth").asText())).hasSize(2);
    assertThat(rl.get("messages").get(0).get("content").asText()).contains(" and plays in the ");
    assertThat(Files.readString(a.resolve("sft.jsonl"))).doesNotContain("plays in the");

    EvalSuite suite = EvalSuite.load(a.resolve("eval/suite.yaml"));
    assertThat(suite.tasks()).extracting(EvalTask::unseen).contains(true, false);
    assertThat(suite.tasks()).extracting(EvalTask::name).containsExactly("stories-ppl",
        "follow", "kind", "place", "stories-ppl-unseen", "follow-unseen", "kind-unseen",
        "place-unseen");
  }
}
