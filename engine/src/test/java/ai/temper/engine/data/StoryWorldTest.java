package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.verify.Verifiers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sample RLVR task: valid rows, held-out names and pairs unseen in training. */
class StoryWorldTest {
  @Test
  void heldOutPromptsUseUnseenNamesOrPairsAndSftStoriesPass() throws Exception {
    StoryWorld.Sets s = StoryWorld.generate(7, 200, 24);
    Set<String> trainNames = new HashSet<>();
    Set<String> trainPairs = new HashSet<>();
    for (ObjectNode row : s.train()) {
      String[] k = keywords(row);
      trainNames.add(k[0]);
      trainPairs.add(k[1] + " " + k[2]);
      Verifiers.validate(row.get("dataset").asText(), row.get("ground_truth").asText());
    }
    for (ObjectNode row : s.heldout()) {
      String[] k = keywords(row);
      assertThat(!trainNames.contains(k[0]) || !trainPairs.contains(k[1] + " " + k[2]))
          .as(row.toString()).isTrue();
    }
    // every SFT story answers its prompt: the verifier passes it
    for (int i = 0; i < s.sft().size(); i++) {
      String story = s.sft().get(i).get("messages").get(1).get("content").asText();
      assertThat(Verifiers.verify("ifeval", s.train().get(i).get("ground_truth").asText(), story)
          .passed()).as(story).isTrue();
    }
  }

  private static String[] keywords(ObjectNode row) throws Exception {
    var gt = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(row.get("ground_truth").asText());
    var k = gt.get("keyword_list");
    return new String[] {k.get(0).asText(), k.get(1).asText(), k.get(2).asText()};
  }
}
