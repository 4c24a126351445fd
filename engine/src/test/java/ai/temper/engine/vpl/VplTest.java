package ai.temper.engine.vpl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.annotate.PluralSamples;
import ai.temper.engine.annotate.PluralSamples.Scenario;
import ai.temper.engine.data.HashedTfIdfEmbedder;
import ai.temper.engine.jobs.JobContext;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * VPL against plain Bradley-Terry on the generated annotator sets: where two groups want
 * opposite things, VPL must recover each annotator's preference from a few of their labels;
 * where everyone agrees, it must do no worse.
 */
class VplTest {
  /** One model on the disagreeing set, shared by the tests that read it (training is the cost). */
  static Vpl disagree;

  @org.junit.jupiter.api.BeforeAll
  static void trainOnce() {
    disagree = train(pairs(Scenario.DISAGREE, 1));
  }

  @org.junit.jupiter.api.AfterAll
  static void close() {
    disagree.close();
  }

  static List<Vpl.Pair> pairs(Scenario s, long seed) {
    List<Vpl.Pair> out = new ArrayList<>();
    for (ObjectNode r : PluralSamples.generate(s, 4, 40, 0.05, seed)) {
      out.add(new Vpl.Pair(r.get("annotator").asText(), r.get("prompt").asText(),
          r.get("chosen").asText(), r.get("rejected").asText()));
    }
    return out;
  }

  static Vpl train(List<Vpl.Pair> pairs) {
    VplConfig config = VplConfig.parse("dataset_mixer_list: [unused, 1.0]\n"
        + "max_train_steps: 200\nlogging_steps: 50\neval_steps: 0\n", "test");
    List<String> corpus = new ArrayList<>();
    pairs.forEach(p -> {
      corpus.add(p.prompt());
      corpus.add(p.chosen());
      corpus.add(p.rejected());
    });
    return Vpl.train(pairs, config, HashedTfIdfEmbedder.fit(corpus, 256), JobContext.none(),
        (step, m) -> { });
  }

  @Test
  void whereGroupsDisagreeVplBeatsBradleyTerryAndTheRewardFollowsZ() {
    Vpl vpl = disagree;
    Map<String, Double> s = Vpl.summary(vpl.evaluate());
    double gain = s.get("eval_accuracy") - s.get("eval_accuracy_baseline");
    assertThat(s.get("eval_accuracy")).as("VPL per-annotator accuracy").isGreaterThan(0.85);
    assertThat(gain).as("VPL over Bradley-Terry, " + s).isGreaterThan(0.25);

    // the reward depends on z: the two groups' latents order a short and a long story
    // oppositely (a reward that ignored z could not)
    float[] brief = vpl.posterior(vpl.trainingPairs().get("brief-1").subList(0, 8))[0];
    float[] detail = vpl.posterior(vpl.trainingPairs().get("detail-1").subList(0, 8))[0];
    String prompt = "Tell me a story about Mia and the frog at the beach.";
    String shortStory = "Mia saw a frog at the beach. They hugged and went home full of joy.";
    String longStory = "Mia saw a frog at the beach. They played with a red ball. The sun "
        + "was warm and bright. A soft wind moved the leaves. They found a shiny stone. "
        + "They hugged and went home full of joy.";
    double briefPrefersShort = vpl.reward(prompt, shortStory, brief)
        - vpl.reward(prompt, longStory, brief);
    double detailPrefersShort = vpl.reward(prompt, shortStory, detail)
        - vpl.reward(prompt, longStory, detail);
    assertThat(briefPrefersShort).isPositive();
    assertThat(detailPrefersShort).isNegative();
    assertThat(vpl.reward(prompt, shortStory, new float[vpl.latentDim()]))
        .isNotEqualTo(vpl.reward(prompt, shortStory, brief));
  }

  @Test
  void whereEveryoneAgreesVplIsNoWorse() {
    try (Vpl vpl = train(pairs(Scenario.AGREE, 2))) {
      Map<String, Double> s = Vpl.summary(vpl.evaluate());
      assertThat(s.get("eval_accuracy_baseline")).isGreaterThan(0.8);
      assertThat(s.get("eval_accuracy")).as(s.toString())
          .isGreaterThanOrEqualTo(s.get("eval_accuracy_baseline") - 0.03);
    }
  }

  @Test
  void uncertaintyShrinksWithEvidenceAndTheSuggestionIsInformative() {
    Vpl vpl = disagree;
    List<Vpl.Pair> own = vpl.trainingPairs().get("detail-2");
    double one = mean(vpl.posterior(own.subList(0, 1))[1]);
    double eight = mean(vpl.posterior(own.subList(0, 8))[1]);
    assertThat(eight).as("sigma with 8 labels vs 1").isLessThan(one);
    // a short-vs-long pair tells about a new annotator; two equally long stories do not
    String p = "Tell me a story about Ben and the cat at the park.";
    List<String[]> candidates = List.of(
        new String[] {p, "Ben saw a cat at the park. They played with a red ball. "
            + "In the end they laughed and were very happy.", "Ben saw a cat at the park. "
            + "They found a shiny stone. In the end they laughed and were very happy."},
        new String[] {p, "Ben saw a cat at the park. In the end they laughed and were very "
            + "happy.", "Ben saw a cat at the park. They played with a red ball. The sun was "
            + "warm and bright. A soft wind moved the leaves. They found a shiny stone. "
            + "In the end they laughed and were very happy."});
    Vpl.Suggestion s = vpl.suggest(List.of(), candidates, 64, 5);
    assertThat(s.index()).isEqualTo(1);
    assertThat(s.information()).isPositive();
  }

  private static double mean(float[] xs) {
    double s = 0;
    for (float x : xs) {
      s += x;
    }
    return s / xs.length;
  }
}
