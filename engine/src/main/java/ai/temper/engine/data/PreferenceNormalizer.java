package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Preference pairs: {@code chosen} and {@code rejected} as message lists (Tulu 3, TRL) or
 * strings (TRL standard), with an optional {@code prompt} (string or message list). Full
 * conversations on both sides are split into the shared prompt (their common leading turns)
 * and the two continuations, so every pair lands in one shape:
 * {@code {"prompt": [...], "chosen": [...], "rejected": [...]}}.
 */
final class PreferenceNormalizer implements RowNormalizer {
  private static final Set<String> CONSUMED = Set.of("prompt", "chosen", "rejected");

  @Override
  public Example normalize(JsonNode row) throws MalformedRowException {
    List<Message> givenPrompt = prompt(row.get("prompt"));
    List<Message> chosen = side(row, "chosen");
    List<Message> rejected = side(row, "rejected");
    return split(givenPrompt, chosen, rejected).withMeta(Rows.meta(row, CONSUMED));
  }

  private static List<Message> prompt(JsonNode p) throws MalformedRowException {
    if (p == null || p.isNull()) {
      return List.of();
    }
    if (p.isTextual()) {
      return p.asText().isEmpty() ? List.of() : List.of(Message.user(p.asText()));
    }
    return Rows.messages(p, "prompt", true);
  }

  private static List<Message> side(JsonNode row, String field) throws MalformedRowException {
    JsonNode v = row.get(field);
    if (v != null && v.isTextual()) {
      return List.of(Message.assistant(v.asText()));
    }
    return Rows.messages(v, field, false);
  }

  /**
   * Builds the canonical pair: a given prompt that both sides repeat is removed from them;
   * then the turns both sides share (all but at least one) move into the prompt.
   */
  static Example split(List<Message> givenPrompt, List<Message> chosen, List<Message> rejected)
      throws MalformedRowException {
    List<Message> prompt = new ArrayList<>(givenPrompt);
    if (!prompt.isEmpty() && startsWith(chosen, prompt) && startsWith(rejected, prompt)) {
      chosen = chosen.subList(prompt.size(), chosen.size());
      rejected = rejected.subList(prompt.size(), rejected.size());
    } else if (prompt.size() == 1 && prompt.get(0).role().equals("user")) {
      // Tulu 3 rows repeat the prompt string as the first user turn of each side
      String p = prompt.get(0).content();
      if (!chosen.isEmpty() && !rejected.isEmpty() && chosen.get(0).equals(rejected.get(0))
          && chosen.get(0).role().equals("user") && chosen.get(0).content().strip()
              .equals(p.strip())) {
        prompt.clear();
      }
    }
    int shared = 0;
    int max = Math.min(chosen.size(), rejected.size()) - 1;
    while (shared < max && chosen.get(shared).equals(rejected.get(shared))) {
      shared++;
    }
    prompt.addAll(chosen.subList(0, shared));
    List<Message> c = chosen.subList(shared, chosen.size());
    List<Message> r = rejected.subList(shared, rejected.size());
    if (c.isEmpty() || r.isEmpty()) {
      throw new MalformedRowException((c.isEmpty() ? "'chosen'" : "'rejected'")
          + " has no turns after the prompt");
    }
    return Example.preference(prompt, c, r);
  }

  private static boolean startsWith(List<Message> list, List<Message> prefix) {
    return list.size() > prefix.size() && list.subList(0, prefix.size()).equals(prefix);
  }
}
