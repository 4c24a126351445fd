package ai.temper.engine.eval;

import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import ai.temper.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prompts of generation tasks. Raw format (OLMES / lm-eval style):
 * {@code Question: q\nAnswer: worked answer\n\n} per shot, then {@code Question: q\nAnswer:};
 * plain format: the prompt text as it is, for the model to continue (cloze);
 * chat format: the shots as earlier user/assistant turns in the model's chat template. A worked
 * GSM8K answer is shown as chain of thought ending "The answer is N." (calculator annotations
 * dropped). When a prompt does not fit the model's context beside the answer, shots are
 * dropped from the end, then the oldest tokens; the instance records what it got.
 */
public final class Prompts {
  private static final Pattern CALC = Pattern.compile("<<[^>]*>>");
  private static final Pattern FINAL = Pattern.compile("\\n?####\\s*(.+?)\\s*$");

  /** A prompt as ids, its text and how many shots fit. */
  public record Prompt(int[] ids, String text, int shots, boolean truncated) {}

  private Prompts() {}

  /** The question side of an instance: its user (and system) turns. */
  public static String question(Example e) {
    return e.promptText();
  }

  /** The prompt turns of an instance (everything before the final assistant answer). */
  public static List<Message> promptTurns(Example e) {
    List<Message> all = e.kind() == DatasetKind.PREFERENCE ? e.prompt() : e.messages();
    List<Message> out = new ArrayList<>(all);
    while (!out.isEmpty() && out.get(out.size() - 1).role().equals("assistant")) {
      out.remove(out.size() - 1);
    }
    if (out.isEmpty() && e.kind() == DatasetKind.PREFERENCE) {
      // pairs that carry the prompt inside each side
      for (Message m : e.chosen()) {
        if (m.role().equals("assistant")) {
          break;
        }
        out.add(m);
      }
    }
    return out;
  }

  /** The reference answer text: the last assistant turn (for pairs, of the chosen side). */
  public static String referenceAnswer(Example e) {
    List<Message> side = e.kind() == DatasetKind.PREFERENCE ? e.chosen() : e.messages();
    for (int i = side.size() - 1; i >= 0; i--) {
      if (side.get(i).role().equals("assistant")) {
        return side.get(i).content();
      }
    }
    return null;
  }

  /** What the scorer compares with: the ground truth, else the reference answer. */
  public static String target(Example e) {
    return e.groundTruth() != null ? e.groundTruth() : referenceAnswer(e);
  }

  /** A worked answer for a shot: GSM8K's "#### N" becomes "The answer is N.". */
  public static String workedAnswer(Example e) {
    String a = referenceAnswer(e);
    if (a == null) {
      a = e.groundTruth() == null ? "" : e.groundTruth();
    }
    a = CALC.matcher(a).replaceAll("");
    Matcher m = FINAL.matcher(a);
    if (m.find()) {
      String head = a.substring(0, m.start()).strip();
      a = (head.isEmpty() ? "" : head + " ") + "The answer is " + m.group(1) + ".";
    }
    return a.strip();
  }

  /**
   * The prompt for {@code e} with up to {@code shots} worked examples, at most {@code budget}
   * tokens (BOS included).
   */
  public static Prompt build(Example e, List<Example> fewshot, int shots, String format,
      Tokenizer tokenizer, ChatEncoder chat, int budget) {
    int k = Math.min(shots, fewshot.size());
    while (true) {
      List<Example> use = fewshot.subList(0, k);
      String text;
      int[] ids;
      if (EvalTask.CHAT.equals(format)) {
        List<ChatMessage> turns = new ArrayList<>();
        for (Example s : use) {
          turns.add(ChatMessage.user(question(s)));
          turns.add(ChatMessage.assistant(workedAnswer(s)));
        }
        for (Message m : promptTurns(e)) {
          turns.add(new ChatMessage(m.role(), m.content()));
        }
        text = chat.template().render(turns, true);
        ids = chat.encodeText(text);
      } else if (EvalTask.PLAIN.equals(format)) {
        StringBuilder sb = new StringBuilder();
        for (Example s : use) {
          sb.append(question(s)).append(' ').append(workedAnswer(s)).append("\n\n");
        }
        text = sb.append(question(e)).toString();
        ids = tokenizer.encode(text, true);
      } else {
        StringBuilder sb = new StringBuilder();
        for (Example s : use) {
          sb.append("Question: ").append(question(s)).append("\nAnswer: ")
              .append(workedAnswer(s)).append("\n\n");
        }
        sb.append("Question: ").append(question(e)).append("\nAnswer:");
        text = sb.toString();
        ids = tokenizer.encode(text, true);
      }
      if (ids.length <= budget) {
        return new Prompt(ids, text, k, false);
      }
      if (k > 0) {
        k--;
        continue;
      }
      // even alone it is too long: keep BOS and the last tokens
      int[] cut = new int[Math.max(1, budget)];
      cut[0] = ids[0];
      System.arraycopy(ids, ids.length - (cut.length - 1), cut, 1, cut.length - 1);
      return new Prompt(cut, tokenizer.decode(Arrays.copyOfRange(cut, 1, cut.length)), 0, true);
    }
  }
}
