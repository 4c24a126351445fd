package ai.temper.engine.model.hf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * llama2.c's encode and decode, transcribed literally from run.c for tests: the reference the
 * converted tokenizer.json must match id for id.
 */
final class Llama2cReference {
  private final Llama2cVocab v;
  private final Map<String, Integer> lookup = new HashMap<>();

  Llama2cReference(Llama2cVocab v) {
    this.v = v;
    for (int i = 0; i < v.size(); i++) {
      lookup.putIfAbsent(v.pieces().get(i), i);
    }
  }

  int[] encode(String text, boolean bos) {
    List<Integer> t = new ArrayList<>();
    if (bos) {
      t.add(Llama2cVocab.BOS);
    }
    if (!text.isEmpty()) {
      t.add(lookup.get(" "));
    }
    text.codePoints().forEach(cp -> {
      String s = new String(Character.toChars(cp));
      Integer id = lookup.get(s);
      if (id != null) {
        t.add(id);
      } else {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
          t.add((b & 0xff) + Llama2cVocab.BYTE0);
        }
      }
    });
    while (true) {
      float best = -1e10f;
      int bestId = -1;
      int bestIdx = -1;
      for (int i = 0; i + 1 < t.size(); i++) {
        Integer id = lookup.get(v.pieces().get(t.get(i)) + v.pieces().get(t.get(i + 1)));
        if (id != null && v.scores()[id] > best) {
          best = v.scores()[id];
          bestId = id;
          bestIdx = i;
        }
      }
      if (bestIdx < 0) {
        break;
      }
      t.set(bestIdx, bestId);
      t.remove(bestIdx + 1);
    }
    return t.stream().mapToInt(Integer::intValue).toArray();
  }

  /** run.c's decode: the space after BOS stripped, {@code <0xXX>} as raw bytes; specials out. */
  String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prev = Llama2cVocab.BOS;
    for (int id : ids) {
      if (id == Llama2cVocab.BOS || id == Llama2cVocab.EOS || id == Llama2cVocab.UNK) {
        prev = id;
        continue;
      }
      String piece = v.pieces().get(id);
      if (prev == Llama2cVocab.BOS && piece.startsWith(" ")) {
        piece = piece.substring(1);
      }
      if (v.isByte(id)) {
        out.write(id - Llama2cVocab.BYTE0);
      } else {
        out.writeBytes(piece.getBytes(StandardCharsets.UTF_8));
      }
      prev = id;
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
