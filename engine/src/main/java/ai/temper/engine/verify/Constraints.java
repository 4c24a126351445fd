package ai.temper.engine.verify;

import ai.temper.engine.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Instruction-following constraints, under the names of both of open-instruct's layouts: the
 * Tulu 3 functions ({@code verify_keywords(keyword_list)}, ...; {@code ifeval_old}) and Google
 * IFEval's instruction ids ({@code keywords:existence} with {@code keywords}, ...). Each
 * constraint declares its arguments and their types, so a row is checked at import.
 */
final class Constraints {
  /** The type of an argument. */
  enum Type { INT, TEXT, TEXT_LIST, QUANTIFIER, RELATION }

  /** A check of a text under given arguments. */
  interface Check {
    boolean holds(String text, Args args);
  }

  /** A constraint: its arguments (name to type; required ones listed in {@code required}). */
  record Spec(String name, Map<String, Type> params, Set<String> required, Check check) {}

  /** Arguments by name, already type-checked. */
  static final class Args {
    private final Map<String, JsonNode> values;

    Args(Map<String, JsonNode> values) {
      this.values = values;
    }

    boolean has(String name) {
      return values.containsKey(name);
    }

    int integer(String name) {
      return values.get(name).asInt();
    }

    String text(String name) {
      return values.get(name).asText();
    }

    List<String> texts(String name) {
      JsonNode n = values.get(name);
      List<String> out = new ArrayList<>();
      if (n.isArray()) {
        n.forEach(v -> out.add(v.asText()));
      } else {
        out.add(n.asText());
      }
      return out;
    }
  }

  static final ObjectMapper JSON = Json.MAPPER;
  static final Map<String, Spec> OLD = new LinkedHashMap<>();
  static final Map<String, Spec> GOOGLE = new LinkedHashMap<>();

  private Constraints() {}

  private static void old(String name, Check check, Object... params) {
    OLD.put(name, spec(name, check, true, params));
  }

  private static void google(String id, Check check, Object... params) {
    GOOGLE.put(id, spec(id, check, true, params));
  }

  private static Spec spec(String name, Check check, boolean allRequired, Object... params) {
    Map<String, Type> p = new LinkedHashMap<>();
    for (int i = 0; i < params.length; i += 2) {
      p.put((String) params[i], (Type) params[i + 1]);
    }
    return new Spec(name, p, allRequired ? p.keySet() : Set.of(), check);
  }

  /**
   * Type-checks raw arguments (nulls already dropped) against a spec.
   *
   * @throws InvalidGroundTruthException naming the argument
   */
  static Args bind(Spec spec, Map<String, JsonNode> raw) {
    for (String name : raw.keySet()) {
      if (!spec.params().containsKey(name)) {
        throw new InvalidGroundTruthException(spec.name() + ": unexpected argument '" + name
            + "'" + (spec.params().isEmpty() ? " (it takes none)"
            : " (it takes " + String.join(", ", spec.params().keySet()) + ")"));
      }
    }
    for (Map.Entry<String, Type> p : spec.params().entrySet()) {
      JsonNode v = raw.get(p.getKey());
      if (v == null) {
        if (spec.required().contains(p.getKey())) {
          throw new InvalidGroundTruthException(spec.name() + ": argument '" + p.getKey()
              + "' is missing");
        }
        continue;
      }
      String problem = switch (p.getValue()) {
        case INT -> v.canConvertToInt() && (v.isIntegralNumber()
            || (v.isTextual() && v.asText().strip().matches("-?\\d+"))) ? null : "an integer";
        case TEXT -> v.isValueNode() ? null : "a string";
        case TEXT_LIST -> v.isArray() && !v.isEmpty() || v.isTextual() ? null
            : "a non-empty list of strings";
        case QUANTIFIER -> Set.of("at least", "at most", "around").contains(v.asText())
            ? null : "'at least', 'at most' or 'around'";
        case RELATION -> Set.of("less than", "at least").contains(v.asText())
            ? null : "'less than' or 'at least'";
      };
      if (problem != null) {
        throw new InvalidGroundTruthException(spec.name() + ": argument '" + p.getKey()
            + "' must be " + problem + " (found " + v + ")");
      }
    }
    Map<String, JsonNode> values = new LinkedHashMap<>(raw);
    values.replaceAll((k, v) -> spec.params().get(k) == Type.INT && v.isTextual()
        ? JSON.getNodeFactory().numberNode(Integer.parseInt(v.asText().strip())) : v);
    return new Args(values);
  }

  // ---- shared text helpers ----

  private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

  static int countWords(String text) {
    int n = 0;
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** Sentences: split after . ! ? followed by space, not after a one-letter or title word. */
  static int countSentences(String text) {
    String t = text.strip();
    if (t.isEmpty()) {
      return 0;
    }
    String[] parts = t.split("(?<!\\b(?:Mr|Mrs|Ms|Dr|St|vs|e\\.g|i\\.e|[A-Z]))(?<=[.!?])\\s+");
    return parts.length;
  }

  static boolean quantified(int actual, int n, String quantifier, int tolerance) {
    return switch (quantifier) {
      case "at least" -> actual >= n;
      case "at most" -> actual <= n;
      case "around" -> Math.abs(actual - n) <= tolerance;
      default -> false;
    };
  }

  static boolean related(int actual, int n, String relation) {
    return "less than".equals(relation) ? actual < n : actual >= n;
  }

  private static boolean isUpper(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isLowerCase(c)) {
        return false;
      }
      cased |= Character.isUpperCase(c);
    }
    return cased;
  }

  private static boolean isLower(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
        return false;
      }
      cased |= Character.isLowerCase(c);
    }
    return cased;
  }

  private static int count(Pattern p, String text) {
    int n = 0;
    Matcher m = p.matcher(text);
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static boolean isJson(String text) {
    try {
      JSON.readTree(text);
      return !text.isBlank();
    } catch (Exception e) {
      return false;
    }
  }

  static {
    Type i = Type.INT;
    Type s = Type.TEXT;
    Type l = Type.TEXT_LIST;
    Type q = Type.QUANTIFIER;
    // ---- Tulu 3 / ifeval_old functions (open-instruct if_functions.py semantics) ----
    old("verify_keywords", (t, a) -> a.texts("keyword_list").stream()
        .allMatch(k -> t.toLowerCase(Locale.ROOT).contains(k.toLowerCase(Locale.ROOT))),
        "keyword_list", l);
    old("verify_keyword_frequency", (t, a) -> {
      String w = a.text("word").toLowerCase(Locale.ROOT);
      Matcher m = Pattern.compile("\\b\\w+\\b").matcher(t.toLowerCase(Locale.ROOT));
      int n = 0;
      while (m.find()) {
        n += m.group().equals(w) ? 1 : 0;
      }
      return n == a.integer("N");
    }, "word", s, "N", i);
    old("validate_forbidden_words", (t, a) -> a.texts("forbidden_words").stream()
        .noneMatch(k -> t.toLowerCase(Locale.ROOT).contains(k.toLowerCase(Locale.ROOT))),
        "forbidden_words", l);
    old("verify_letter_frequency", (t, a) -> {
      String letter = a.text("letter");
      return letter.length() == 1 && t.chars().filter(c -> c == letter.charAt(0)).count()
          == a.integer("N");
    }, "letter", s, "N", i);
    old("validate_response_language", (t, a) -> Languages.is(t, a.text("language")),
        "language", s);
    old("verify_paragraph_count", (t, a) -> {
      String clean = String.join("\n", t.lines().map(String::strip).toList()).strip();
      String[] paragraphs = clean.split("\\* \\* \\*", -1);
      for (String p : paragraphs) {
        if (p.isBlank()) {
          return false;
        }
      }
      return paragraphs.length == a.integer("N");
    }, "N", i);
    old("validate_word_constraint", (t, a) -> {
      String st = t.strip();
      int words = st.isEmpty() ? 0 : st.split("\\s+").length;
      int n = a.integer("N");
      return quantified(words, n, a.text("quantifier"), Math.max((int) Math.round(n * 0.1), 1));
    }, "N", i, "quantifier", q);
    old("verify_sentence_constraint", (t, a) -> quantified(
        t.split("(?<!\\w\\.\\w.)(?<![A-Z][a-z]\\.)(?<=[.?!])\\s", -1).length, a.integer("N"),
        a.text("quantifier"), 1), "N", i, "quantifier", q);
    old("validate_paragraphs", (t, a) -> {
      String[] paragraphs = t.split("\n\n", -1);
      int idx = a.integer("i");
      return paragraphs.length == a.integer("N") && idx >= 1 && idx <= paragraphs.length
          && paragraphs[idx - 1].strip().startsWith(a.text("first_word"));
    }, "N", i, "first_word", s, "i", i);
    old("verify_postscript", (t, a) -> {
      String marker = a.text("postscript_marker");
      int at = t.indexOf(marker);
      return at >= 0 && t.substring(at).strip().length() > marker.length();
    }, "postscript_marker", s);
    old("validate_placeholders", (t, a) ->
        count(Pattern.compile("\\[(.*?)\\]"), t) >= a.integer("N"), "N", i);
    old("verify_bullet_points", (t, a) -> t.lines().map(String::strip)
        .filter(x -> x.startsWith("*") || x.startsWith("-")).count() == a.integer("N"),
        "N", i);
    old("validate_title", (t, a) -> Pattern.compile("<<(.*?)>>").matcher(t).find());
    old("validate_choice", (t, a) -> a.texts("options").stream().anyMatch(t::contains),
        "options", l);
    old("validate_highlighted_sections", (t, a) ->
        count(Pattern.compile("\\*(.*?)\\*"), t) >= a.integer("N"), "N", i);
    old("validate_sections", (t, a) -> Pattern.compile(
        "\\s?" + Pattern.quote(a.text("section_splitter")) + "\\s?\\d+\\s?",
        Pattern.CASE_INSENSITIVE).split(t, -1).length - 1 >= a.integer("N"),
        "N", i, "section_splitter", s);
    old("validate_json_format", (t, a) -> isJson(t));
    old("validate_repeat_prompt", (t, a) -> t.startsWith(a.text("original_prompt")),
        "original_prompt", s);
    old("validate_two_responses", (t, a) -> {
      String[] parts = t.split("\\*\\*\\*\\*\\*\\*", -1);
      return parts.length == 2 && !parts[0].strip().equals(parts[1].strip());
    });
    old("validate_uppercase", (t, a) -> t.equals(t.toUpperCase(Locale.ROOT)));
    old("validate_lowercase", (t, a) -> t.equals(t.toLowerCase(Locale.ROOT)));
    old("validate_frequency_capital_words", (t, a) -> {
      int n = a.integer("N");
      return quantified(count(Pattern.compile("\\b[A-Z]+\\b"), t), n, a.text("quantifier"),
          Math.max((int) Math.round(n * 0.1), 1));
    }, "N", i, "quantifier", q);
    old("validate_end", (t, a) -> t.endsWith(a.text("end_phrase")), "end_phrase", s);
    old("validate_quotation", (t, a) -> t.startsWith("\"") && t.endsWith("\""));
    old("validate_no_commas", (t, a) -> !t.contains(","));

    // ---- Google IFEval instruction ids (instructions.py semantics) ----
    Type r = Type.RELATION;
    google("keywords:existence", (t, a) -> a.texts("keywords").stream().allMatch(k ->
        Pattern.compile(Pattern.quote(k), Pattern.CASE_INSENSITIVE).matcher(t).find()),
        "keywords", l);
    google("keywords:frequency", (t, a) -> related(count(Pattern.compile(
        Pattern.quote(a.text("keyword")), Pattern.CASE_INSENSITIVE), t), a.integer("frequency"),
        a.text("relation")), "keyword", s, "frequency", i, "relation", r);
    google("keywords:forbidden_words", (t, a) -> a.texts("forbidden_words").stream()
        .noneMatch(w -> Pattern.compile("\\b" + Pattern.quote(w) + "\\b",
            Pattern.CASE_INSENSITIVE).matcher(t).find()), "forbidden_words", l);
    google("keywords:letter_frequency", (t, a) -> {
      char c = a.text("letter").toLowerCase(Locale.ROOT).charAt(0);
      int n = (int) t.toLowerCase(Locale.ROOT).chars().filter(x -> x == c).count();
      return related(n, a.integer("let_frequency"), a.text("let_relation"));
    }, "letter", s, "let_frequency", i, "let_relation", r);
    google("language:response_language", (t, a) -> Languages.is(t, a.text("language")),
        "language", s);
    google("length_constraints:number_sentences", (t, a) -> related(countSentences(t),
        a.integer("num_sentences"), a.text("relation")), "num_sentences", i, "relation", r);
    google("length_constraints:number_paragraphs", (t, a) -> {
      String[] ps = t.split("\\s?\\*\\*\\*\\s?", -1);
      int n = ps.length;
      for (int k = 0; k < ps.length; k++) {
        if (ps[k].isBlank()) {
          if (k == 0 || k == ps.length - 1) {
            n--;
          } else {
            return false;
          }
        }
      }
      return n == a.integer("num_paragraphs");
    }, "num_paragraphs", i);
    google("length_constraints:number_words", (t, a) -> related(countWords(t),
        a.integer("num_words"), a.text("relation")), "num_words", i, "relation", r);
    google("length_constraints:nth_paragraph_first_word", (t, a) -> {
      String[] ps = t.split("\n\n", -1);
      int n = 0;
      for (String p : ps) {
        n += p.isBlank() ? 0 : 1;
      }
      int nth = a.integer("nth_paragraph");
      if (nth > n || nth < 1) {
        return false;
      }
      String p = ps[nth - 1].strip();
      if (p.isEmpty()) {
        return false;
      }
      String first = p.split("\\s+")[0].replaceAll("^['\"]+", "")
          .replaceAll("[.,?!'\"]", "").toLowerCase(Locale.ROOT);
      return n == a.integer("num_paragraphs")
          && first.equals(a.text("first_word").toLowerCase(Locale.ROOT));
    }, "num_paragraphs", i, "nth_paragraph", i, "first_word", s);
    google("detectable_content:number_placeholders", (t, a) ->
        count(Pattern.compile("\\[.*?\\]"), t) >= a.integer("num_placeholders"),
        "num_placeholders", i);
    google("detectable_content:postscript", (t, a) -> {
      String m = a.text("postscript_marker").strip();
      String p = switch (m) {
        case "P.P.S" -> "\\s*p\\.\\s?p\\.\\s?s.*$";
        case "P.S." -> "\\s*p\\.\\s?s\\..*$";
        default -> "\\s*" + Pattern.quote(m.toLowerCase(Locale.ROOT)) + ".*$";
      };
      return Pattern.compile(p, Pattern.MULTILINE).matcher(t.toLowerCase(Locale.ROOT)).find();
    }, "postscript_marker", s);
    google("detectable_format:number_bullet_lists", (t, a) ->
        count(Pattern.compile("^\\s*\\*[^*].*$", Pattern.MULTILINE), t)
            + count(Pattern.compile("^\\s*-.*$", Pattern.MULTILINE), t)
            == a.integer("num_bullets"), "num_bullets", i);
    google("detectable_format:constrained_response", (t, a) -> {
      String v = t.strip();
      return v.contains("My answer is yes.") || v.contains("My answer is no.")
          || v.contains("My answer is maybe.");
    });
    google("detectable_format:number_highlighted_sections", (t, a) -> {
      int n = 0;
      for (Pattern p : List.of(Pattern.compile("\\*[^\\n*]*\\*"),
          Pattern.compile("\\*\\*[^\\n*]*\\*\\*"))) {
        Matcher m = p.matcher(t);
        while (m.find()) {
          n += m.group().replace("*", "").isBlank() ? 0 : 1;
        }
      }
      return n >= a.integer("num_highlights");
    }, "num_highlights", i);
    google("detectable_format:multiple_sections", (t, a) -> Pattern.compile(
        "\\s?" + Pattern.quote(a.text("section_spliter")) + "\\s?\\d+\\s?")
        .split(t, -1).length - 1 >= a.integer("num_sections"),
        "section_spliter", s, "num_sections", i);
    google("detectable_format:json_format", (t, a) -> isJson(t.strip()
        .replaceFirst("^```(?:json|Json|JSON)?", "").replaceFirst("```$", "").strip()));
    google("detectable_format:title", (t, a) -> {
      Matcher m = Pattern.compile("<<[^\\n]+>>").matcher(t);
      while (m.find()) {
        if (!m.group().replaceAll("^<+|>+$", "").isBlank()) {
          return true;
        }
      }
      return false;
    });
    google("combination:two_responses", (t, a) -> {
      String[] parts = t.split("\\*\\*\\*\\*\\*\\*", -1);
      List<String> valid = new ArrayList<>();
      for (int k = 0; k < parts.length; k++) {
        if (parts[k].isBlank()) {
          if (k != 0 && k != parts.length - 1) {
            return false;
          }
        } else {
          valid.add(parts[k].strip());
        }
      }
      return valid.size() == 2 && !valid.get(0).equals(valid.get(1));
    });
    google("combination:repeat_prompt", (t, a) -> t.strip().toLowerCase(Locale.ROOT)
        .startsWith(a.text("prompt_to_repeat").strip().toLowerCase(Locale.ROOT)),
        "prompt_to_repeat", s);
    google("startend:end_checker", (t, a) -> t.strip().replaceAll("^\"+|\"+$", "")
        .toLowerCase(Locale.ROOT).endsWith(a.text("end_phrase").strip().toLowerCase(Locale.ROOT)),
        "end_phrase", s);
    google("change_case:capital_word_frequency", (t, a) -> {
      Matcher m = WORD.matcher(t);
      int n = 0;
      while (m.find()) {
        n += isUpper(m.group()) ? 1 : 0;
      }
      return related(n, a.integer("capital_frequency"), a.text("capital_relation"));
    }, "capital_frequency", i, "capital_relation", r);
    google("change_case:english_capital", (t, a) -> isUpper(t) && Languages.is(t, "en"));
    google("change_case:english_lowercase", (t, a) -> isLower(t) && Languages.is(t, "en"));
    google("punctuation:no_comma", (t, a) -> !t.contains(","));
    google("startend:quotation", (t, a) -> {
      String v = t.strip();
      return v.length() > 1 && v.startsWith("\"") && v.endsWith("\"");
    });
  }
}
