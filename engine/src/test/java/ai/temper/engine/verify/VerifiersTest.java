package ai.temper.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifiersTest {
  private static final Path GSM8K_TEST = Path.of("../shared/data/gsm8k/test.jsonl");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyGsm8kTestRowPassesOnItsReferenceAndFailsWithTheNumberChanged() throws Exception {
    assumeTrue(Files.exists(GSM8K_TEST), "../shared/data/gsm8k is absent: skipping");
    List<String> lines = Files.readAllLines(GSM8K_TEST);
    assertThat(lines).hasSizeGreaterThan(1000);
    int rows = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode row = JSON.readTree(line);
      String answer = row.get("answer").asText();
      int at = answer.lastIndexOf("####");
      String label = answer.substring(at + 4).strip().replace(",", "");
      Verifiers.validate("gsm8k", label);
      Verification ok = Verifiers.verify("gsm8k", label, answer);
      assertThat(ok.passed()).as("row %d: %s", rows + 1, label).isTrue();
      assertThat(ok.score()).isEqualTo(1.0);
      String changed = new BigDecimal(label).add(BigDecimal.ONE).toPlainString();
      String wrong = answer.substring(0, at) + "#### " + changed;
      Verification bad = Verifiers.verify("gsm8k", label, wrong);
      assertThat(bad.passed()).as("row %d changed to %s", rows + 1, changed).isFalse();
      assertThat(bad.score()).isEqualTo(0.0);
      rows++;
    }
    assertThat(rows).isEqualTo(1319);
  }

  @Test
  void gsm8kTakesTheLastNumberWithoutSeparators() {
    assertThat(Verifiers.verify("gsm8k", "1000", "It costs 5 then 1,000 dollars.").passed())
        .isTrue();
    assertThat(Verifiers.verify("gsm8k", "-3", "so x = -3").passed()).isTrue();
    assertThat(Verifiers.verify("GSM8K", "5", "5 apples and 6 pears").passed()).isFalse();
    assertThat(Verifiers.verify("gsm8k", "5", "no digits").detail()).isEqualTo("no number");
  }

  @Test
  void mathBoxedMinervaAndNormalisation() {
    assertThat(Verifiers.verify("math", "\\frac{1}{2}", "so \\boxed{\\dfrac{1}{2}}.").passed())
        .isTrue();
    assertThat(Verifiers.verify("math", "0.5", "hence $\\boxed{\\frac12}$").passed()).isTrue();
    assertThat(Verifiers.verify("math", "\\sqrt{2}", "a \\boxed{\\sqrt{3}}").passed()).isFalse();
    assertThat(Verifiers.verify("math", "10",
        "Final Answer: The final answer is $10$. I hope it is correct.").passed()).isTrue();
    assertThat(Verifiers.verify("math", "\\{1,2\\}", "x \\boxed{\\{1,2\\}} y").passed()).isTrue();
    assertThat(Verifiers.verify("math", "7", "the sum is $3+4=7$ indeed").passed()).isTrue();
    assertThat(Verifiers.verify("math", "7", "\\boxed{7} and then 8").passed()).isTrue();
    assertThat(Verifiers.verify("strict_math", "7", "\\boxed{7} and then 8").passed()).isFalse();
    assertThat(Verifiers.verify("strict_math", "7",
        "Final Answer: The final answer is 7. I hope it is correct.").passed()).isTrue();
    assertThat(MathVerifier.lastBoxed("\\boxed{a{b}c} and \\boxed{d}")).isEqualTo("d");
    assertThat(MathVerifier.lastBoxed("\\boxed{a{b}c}")).isEqualTo("a{b}c");
  }

  @Test
  void normalisedStrings() {
    assertThat(Verifiers.verify("string_matcher", "The Eiffel tower",
        "think... <answer>eiffel Tower!</answer>").passed()).isTrue();
    assertThat(Verifiers.verify("string_matcher", "Paris", "Paris").passed()).isFalse();
    assertThat(Verifiers.verify("flan", "yes", "The answer is: Yes.").passed()).isTrue();
    Verification f1 = Verifiers.verify("string_f1", "red big ball", "a red ball");
    assertThat(f1.score()).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(f1.passed()).isFalse();
  }

  @Test
  void tuluFunctionLayout() {
    String keywords = "{\"func_name\": \"verify_keywords\", \"N\": null, \"quantifier\": null,"
        + " \"keyword_list\": [\"Lily\", \"red ball\"]}";
    assertThat(Verifiers.verify("ifeval", keywords, "lily had a Red Ball.").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval_old", keywords, "Lily had a ball.").score()).isZero();
    String lower = "{\"func_name\": \"validate_lowercase\"}";
    assertThat(Verifiers.verify("ifeval", lower, "all quiet here").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", lower, "Not quiet").passed()).isFalse();
    String words = "{\"func_name\": \"validate_word_constraint\", \"N\": 3,"
        + " \"quantifier\": \"at most\"}";
    assertThat(Verifiers.verify("ifeval", words, "one two three").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", words, "one two three four").passed()).isFalse();
    String paragraphs = "{\"func_name\": \"verify_paragraph_count\", \"N\": 2}";
    assertThat(Verifiers.verify("ifeval", paragraphs, "a\n* * *\nb").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", paragraphs, "a b").passed()).isFalse();
    String end = "{\"func_name\": \"validate_end\", \"end_phrase\": \"The end.\"}";
    assertThat(Verifiers.verify("ifeval", end, "Once. The end.").passed()).isTrue();
    String json = "{\"func_name\": \"validate_json_format\"}";
    assertThat(Verifiers.verify("ifeval", json, "{\"a\": 1}").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", json, "{a: 1").passed()).isFalse();
    // combined: all must hold to pass; the score is the fraction held
    String both = "[" + keywords + ", {\"func_name\": \"validate_no_commas\"}]";
    Verification half = Verifiers.verify("ifeval", both, "Lily, a red ball");
    assertThat(half.score()).isEqualTo(0.5);
    assertThat(half.passed()).isFalse();
    assertThat(half.detail()).contains("validate_no_commas");
    assertThat(Verifiers.verify("ifeval", both, "Lily and a red ball").passed()).isTrue();
  }

  @Test
  void googleInstructionLayout() {
    String gt = "[{\"instruction_id\": [\"keywords:existence\", "
        + "\"length_constraints:number_words\", \"punctuation:no_comma\", "
        + "\"change_case:english_lowercase\"], \"kwargs\": [{\"keywords\": [\"dog\"]}, "
        + "{\"num_words\": 5, \"relation\": \"less than\"}, null, {}]}]";
    Verifiers.validate("ifeval", gt);
    assertThat(Verifiers.verify("ifeval", gt, "the dog ran").passed()).isTrue();
    Verification v = Verifiers.verify("ifeval", gt, "The dog ran, fast and far away");
    assertThat(v.score()).isEqualTo(0.25);
    // open-instruct stores the object as a JSON string inside a list
    String quoted = JSON.createArrayNode().add("{\"instruction_id\": [\"startend:end_checker\"],"
        + " \"kwargs\": [{\"end_phrase\": \"Any other questions?\"}]}").toString();
    assertThat(Verifiers.verify("ifeval", quoted, "x. Any other questions?").passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", quoted, "<think>ok</think>").score()).isZero();
    String json = "{\"instruction_id\": [\"detectable_format:json_format\"], \"kwargs\": [{}]}";
    assertThat(Verifiers.verify("ifeval", json, "```json\n{\"a\": 2}\n```").passed()).isTrue();
    String lang = "{\"instruction_id\": [\"language:response_language\"],"
        + " \"kwargs\": [{\"language\": \"de\"}]}";
    assertThat(Verifiers.verify("ifeval", lang, "Das ist nicht der Hund und die Katze.")
        .passed()).isTrue();
    assertThat(Verifiers.verify("ifeval", lang, "This is the dog and the cat.").passed())
        .isFalse();
  }

  @Test
  void validationNamesWhatIsWrong() {
    assertThatThrownBy(() -> Verifiers.validate("sudoku", "1"))
        .isInstanceOf(InvalidGroundTruthException.class)
        .hasMessageContaining("unknown verifier 'sudoku'").hasMessageContaining("gsm8k");
    assertThatThrownBy(() -> Verifiers.validate("gsm8k", "eighteen"))
        .hasMessageContaining("must be a number");
    assertThatThrownBy(() -> Verifiers.validate("ifeval", "{\"func_name\": \"verify_magic\"}"))
        .hasMessageContaining("unknown func_name 'verify_magic'");
    assertThatThrownBy(() -> Verifiers.validate("ifeval",
        "{\"func_name\": \"validate_word_constraint\", \"N\": \"many\", \"quantifier\": \"at most\"}"))
        .hasMessageContaining("'N' must be an integer");
    assertThatThrownBy(() -> Verifiers.validate("ifeval",
        "{\"func_name\": \"validate_word_constraint\", \"N\": 3, \"quantifier\": \"roughly\"}"))
        .hasMessageContaining("'quantifier'");
    assertThatThrownBy(() -> Verifiers.validate("ifeval",
        "{\"func_name\": \"verify_keywords\", \"word\": \"x\", \"keyword_list\": [\"a\"]}"))
        .hasMessageContaining("unexpected argument 'word'");
    assertThatThrownBy(() -> Verifiers.validate("ifeval", "{\"func_name\": \"verify_keywords\"}"))
        .hasMessageContaining("'keyword_list' is missing");
    assertThatThrownBy(() -> Verifiers.validate("ifeval",
        "{\"instruction_id\": [\"keywords:magic\"], \"kwargs\": [{}]}"))
        .hasMessageContaining("unknown instruction_id 'keywords:magic'");
    assertThatThrownBy(() -> Verifiers.validate("ifeval",
        "{\"instruction_id\": [\"punctuation:no_comma\"], \"kwargs\": [{}, {}]}"))
        .hasMessageContaining("as long as");
    assertThatThrownBy(() -> Verifiers.validate("ifeval", "not json"))
        .hasMessageContaining("not JSON");
  }
}
