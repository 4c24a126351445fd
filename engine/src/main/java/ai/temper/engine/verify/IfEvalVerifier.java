package ai.temper.engine.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IFEval-style rows in either layout, told apart by shape:
 * <ul>
 *   <li>Tulu 3 ({@code ifeval_old}): {@code {"func_name": "verify_keywords", "keyword_list":
 *       ["Lily"], "N": null, ...}}; arguments that are null are dropped; a JSON list of such
 *       objects combines constraints;</li>
 *   <li>Google IFEval ({@code ifeval}): {@code {"instruction_id": ["keywords:existence", ...],
 *       "kwargs": [{"keywords": ["Lily"]}, null, ...]}}, alone or as the single element of a
 *       list (as open-instruct stores it), possibly as a JSON string inside that list.</li>
 * </ul>
 * Before checking, a thinking section and {@code <answer>} tags are removed; an empty answer
 * scores 0. The score is the fraction of constraints that hold.
 */
final class IfEvalVerifier implements Verifiers.Verifier {
  private final String name;

  IfEvalVerifier(String name) {
    this.name = name;
  }

  /** A constraint bound to its checked arguments. */
  private record Bound(Constraints.Spec spec, Constraints.Args args) {}

  @Override
  public void validate(String groundTruth) {
    parse(groundTruth);
  }

  @Override
  public Verification verify(String completion, String groundTruth) {
    List<Bound> constraints = parse(groundTruth);
    String answer = Verifiers.removeThinking(completion);
    if (completion.isBlank() || answer.isEmpty()) {
      return new Verification(name, 0, false, "empty answer");
    }
    int held = 0;
    List<String> failed = new ArrayList<>();
    for (Bound b : constraints) {
      if (b.spec().check().holds(answer, b.args())) {
        held++;
      } else {
        failed.add(b.spec().name());
      }
    }
    double score = (double) held / constraints.size();
    return new Verification(name, score, failed.isEmpty(),
        failed.isEmpty() ? "all " + constraints.size() + " hold" : "failed: "
            + String.join(", ", failed));
  }

  private static List<Bound> parse(String groundTruth) {
    JsonNode root;
    try {
      root = Constraints.JSON.readTree(groundTruth);
    } catch (Exception e) {
      throw new InvalidGroundTruthException("'ground_truth' is not JSON: "
          + groundTruth.substring(0, Math.min(60, groundTruth.length())));
    }
    if (root != null && root.isArray() && root.size() == 1 && root.get(0).isTextual()) {
      try {
        root = Constraints.JSON.readTree(root.get(0).asText());
      } catch (Exception e) {
        throw new InvalidGroundTruthException("'ground_truth' holds a string that is not JSON");
      }
    }
    List<Bound> out = new ArrayList<>();
    if (root != null && root.isObject()) {
      add(root, out);
    } else if (root != null && root.isArray() && !root.isEmpty()) {
      for (JsonNode n : root) {
        if (!n.isObject()) {
          throw new InvalidGroundTruthException("'ground_truth' list holds a non-object: " + n);
        }
        add(n, out);
      }
    } else {
      throw new InvalidGroundTruthException("'ground_truth' must be an object with 'func_name'"
          + " or 'instruction_id' and 'kwargs' (found " + groundTruth + ")");
    }
    return out;
  }

  private static void add(JsonNode o, List<Bound> out) {
    if (o.has("func_name")) {
      String func = o.get("func_name").asText();
      Constraints.Spec spec = Constraints.OLD.get(func);
      if (spec == null) {
        throw new InvalidGroundTruthException("unknown func_name '" + func + "'");
      }
      Map<String, JsonNode> args = new LinkedHashMap<>();
      o.fields().forEachRemaining(e -> {
        if (!e.getKey().equals("func_name") && !e.getValue().isNull()) {
          args.put(e.getKey(), e.getValue());
        }
      });
      out.add(new Bound(spec, Constraints.bind(spec, args)));
    } else if (o.has("instruction_id")) {
      JsonNode ids = o.get("instruction_id");
      JsonNode kwargs = o.get("kwargs");
      if (!ids.isArray() || ids.isEmpty()) {
        throw new InvalidGroundTruthException("'instruction_id' must be a non-empty list");
      }
      if (kwargs != null && !kwargs.isNull() && (!kwargs.isArray() || kwargs.size() != ids.size())) {
        throw new InvalidGroundTruthException("'kwargs' must be a list as long as "
            + "'instruction_id' (" + ids.size() + ")");
      }
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i).asText();
        Constraints.Spec spec = Constraints.GOOGLE.get(id);
        if (spec == null) {
          throw new InvalidGroundTruthException("unknown instruction_id '" + id + "'");
        }
        Map<String, JsonNode> args = new LinkedHashMap<>();
        JsonNode kw = kwargs == null || kwargs.isNull() ? null : kwargs.get(i);
        if (kw != null && !kw.isNull()) {
          if (!kw.isObject()) {
            throw new InvalidGroundTruthException("kwargs[" + i + "] must be an object or null");
          }
          kw.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
              args.put(e.getKey(), e.getValue());
            }
          });
        }
        out.add(new Bound(spec, Constraints.bind(spec, args)));
      }
    } else {
      throw new InvalidGroundTruthException("constraint has neither 'func_name' nor "
          + "'instruction_id': " + o);
    }
  }
}
