package ai.temper.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokenizer the starter world builds for itself: a BPE trained on the world's text and
 * written in the llama2.c tokenizer format (the format of the stories260K tokenizer, which
 * Temper reads and converts to a Hugging Face tokenizer.json when it exports a model).
 * Vocabulary: unk, BOS, EOS, the 256 byte tokens (any other text falls back to bytes), the
 * printable ASCII characters, then merges learnt on the corpus, each scored by its rank so the
 * llama2.c encoder (highest-scoring pair first) replays them in the order they were learnt.
 * Words are learnt with their leading space, as sentencepiece does with its dummy prefix.
 */
public final class StarterTokenizer {
  private static final Pattern CHUNK = Pattern.compile(" ?[A-Za-z]+| ?[0-9]+| ?[^A-Za-z0-9 ]| ");

  private StarterTokenizer() {}

  /** Learns merges until {@code vocabSize} tokens; writes the file; returns its vocab size. */
  public static int write(Path file, List<String> texts, int vocabSize) throws IOException {
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    pieces.add("<unk>");
    pieces.add("\n<s>\n");
    pieces.add("\n</s>\n");
    for (int b = 0; b < 256; b++) {
      pieces.add(String.format("<0x%02X>", b));
    }
    for (int i = 0; i < pieces.size(); i++) {
      scores.add(0f);
    }
    for (char c = 32; c < 127; c++) {
      pieces.add(String.valueOf(c));
      scores.add(0f);
    }
    Map<String, Integer> counts = new TreeMap<>();
    for (String t : texts) {
      Matcher m = CHUNK.matcher(" " + t);
      while (m.find()) {
        counts.merge(m.group(), 1, Integer::sum);
      }
    }
    List<List<String>> words = new ArrayList<>();
    List<Integer> freq = new ArrayList<>();
    counts.forEach((w, n) -> {
      if (w.chars().allMatch(c -> c >= 32 && c < 127) && w.length() > 1) {
        List<String> syms = new ArrayList<>();
        w.chars().forEach(c -> syms.add(String.valueOf((char) c)));
        words.add(syms);
        freq.add(n);
      }
    });
    int rank = 0;
    while (pieces.size() < vocabSize) {
      Map<String, Integer> pairs = new HashMap<>();
      for (int i = 0; i < words.size(); i++) {
        List<String> w = words.get(i);
        for (int j = 0; j + 1 < w.size(); j++) {
          pairs.merge(w.get(j) + "\u0000" + w.get(j + 1), freq.get(i), Integer::sum);
        }
      }
      String best = null;
      int bestCount = 1;
      for (Map.Entry<String, Integer> e : pairs.entrySet()) {
        int n = e.getValue();
        if (n > bestCount || (n == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
          best = e.getKey();
          bestCount = n;
        }
      }
      if (best == null) {
        break; // nothing occurs twice: the corpus is exhausted
      }
      String[] ab = best.split("\u0000", -1);
      String merged = ab[0] + ab[1];
      for (List<String> w : words) {
        for (int j = 0; j + 1 < w.size(); j++) {
          if (w.get(j).equals(ab[0]) && w.get(j + 1).equals(ab[1])) {
            w.set(j, merged);
            w.remove(j + 1);
          }
        }
      }
      pieces.add(merged);
      scores.add((float) -(rank++));
    }
    int maxLen = 1;
    List<byte[]> bytes = new ArrayList<>();
    for (String p : pieces) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      bytes.add(b);
      maxLen = Math.max(maxLen, b.length);
    }
    int size = 4;
    for (byte[] b : bytes) {
      size += 8 + b.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(maxLen);
    for (int i = 0; i < bytes.size(); i++) {
      out.putFloat(scores.get(i));
      out.putInt(bytes.get(i).length);
      out.put(bytes.get(i));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, out.array());
    return pieces.size();
  }
}
