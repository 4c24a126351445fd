package ai.temper.engine.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One evaluation task: its instances (a workbench dataset, a JSON Lines file, or a built-in
 * resource), how prompts are made (raw few-shot text or the model's chat template), how the
 * model answers (greedy, at most {@code maxNewTokens}, cut at {@code stop}) and how answers are
 * scored. Unseen tasks run only when asked for explicitly.
 *
 * @param data        a dataset name, a file path (absolute once the suite is read) or
 *                    {@code resource:PATH} on the class path
 * @param scorer      for generate tasks: gsm8k, math, ifeval, exact or prefix
 * @param fewshot     where the worked examples come from (same forms as data); null: none
 * @param shots       worked examples in front of each prompt (fewer when the context is short)
 * @param format      raw (Question:/Answer: text), plain (the prompt text continues) or chat
 *                    (the model's chat template)
 * @param limit       the first N instances only; null for all
 * @param judge       win_rate: the reward model that judges (library name or path)
 */
public record EvalTask(String name, TaskType type, String data, boolean unseen, String scorer,
    String fewshot, int shots, String format, int maxNewTokens, List<String> stop,
    Integer limit, String judge) {

  public static final String RAW = "raw";
  public static final String PLAIN = "plain";
  public static final String CHAT = "chat";

  public EvalTask {
    stop = stop == null ? List.of() : List.copyOf(stop);
  }

  public String split() {
    return unseen ? "unseen" : "development";
  }

  /** The same task with at most {@code n} instances (the smaller limit wins). */
  public EvalTask withLimit(Integer n) {
    Integer l = limit;
    if (n != null) {
      l = limit == null ? n : Integer.valueOf(Math.min(limit, n));
    }
    return new EvalTask(name, type, data, unseen, scorer, fewshot, shots, format, maxNewTokens,
        stop, l, judge);
  }

  public EvalTask withMaxNewTokens(int n) {
    return new EvalTask(name, type, data, unseen, scorer, fewshot, shots, format, n, stop, limit,
        judge);
  }

  public EvalTask withShots(int n) {
    return new EvalTask(name, type, data, unseen, scorer, fewshot, n, format, maxNewTokens, stop,
        limit, judge);
  }

  /** Every setting that changes the result, as canonical JSON (part of the cache key). */
  public ObjectNode settingsJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("task", name);
    o.put("type", type.id());
    o.put("data", data);
    o.put("split", split());
    if (type.generates()) {
      o.put("scorer", scorer);
      o.put("fewshot", fewshot);
      o.put("shots", shots);
      o.put("format", format);
      o.put("max_new_tokens", maxNewTokens);
      ArrayNode s = o.putArray("stop");
      stop.forEach(s::add);
      o.put("decoding", "greedy");
    }
    if (limit != null) {
      o.put("limit", limit);
    }
    if (judge != null) {
      o.put("judge", judge);
    }
    return o;
  }
}
