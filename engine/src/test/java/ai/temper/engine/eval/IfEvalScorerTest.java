package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.data.Example;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IFEval prompt-level strict and loose accuracy on the sample rows (Tulu 3's layout). */
class IfEvalScorerTest {
  @Test
  void strictChecksTheAnswerAsItIsAndLooseForgivesAPreambleLine() {
    List<Example> rows = TaskData.load(Path.of("samples/eval/ifeval-mini.jsonl").toString(),
        null, null).examples();
    assertThat(rows).hasSize(8);
    Example lowercase = rows.get(0);
    AnswerScorer ifeval = AnswerScorer.of("ifeval");

    AnswerScorer.Scored clean = ifeval.score("the cat sat in the sun. it was happy.", lowercase);
    assertThat(clean.values()).containsEntry("prompt_level_strict_acc", 1.0)
        .containsEntry("prompt_level_loose_acc", 1.0);

    AnswerScorer.Scored preamble = ifeval.score("Sure! Here is a story:\nthe cat sat. it was "
        + "happy.", lowercase);
    assertThat(preamble.values()).containsEntry("prompt_level_strict_acc", 0.0)
        .containsEntry("prompt_level_loose_acc", 1.0);
    assertThat(preamble.primary()).isEqualTo(1.0); // loose is the primary metric, as in Tulu 3

    AnswerScorer.Scored wrong = ifeval.score("The Cat Sat.\nIt Was Happy.\nThe End.", lowercase);
    assertThat(wrong.values()).containsEntry("prompt_level_strict_acc", 0.0)
        .containsEntry("prompt_level_loose_acc", 0.0);

    Example commas = rows.get(1);
    assertThat(ifeval.score("the dog ran, jumped and found a ball", commas).primary())
        .isZero();
    assertThat(ifeval.score("the dog ran and found a ball", commas).primary()).isEqualTo(1.0);
  }
}
