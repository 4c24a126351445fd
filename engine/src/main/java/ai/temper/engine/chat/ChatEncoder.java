package ai.temper.engine.chat;

import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversations to token ids through a chat template, with the assistant-only loss mask the
 * SFT trainer needs.
 *
 * <p>Tokenizing: the rendered text is encoded whole (never message by message, which would
 * change the tokens at the joins). Special token texts the template writes ("</s>",
 * "<|im_end|>") become their ids: Hugging Face tokenizers do this themselves; for others
 * (llama2.c) the template's BOS/EOS texts are cut out and replaced by the ids, and each piece
 * between them is encoded like a separate text, which is what Hugging Face does too. BOS is
 * prepended when the tokenizer adds one to plain text and the template did not write it.
 *
 * <p>Mask: {@link ChatTemplate#renderWithSpans} gives each assistant message's characters
 * (its reply and closing EOS, not the generation prompt). The token index of a character
 * boundary is the length of the longest common prefix of the tokens of the text up to the
 * boundary and the tokens of the whole text, so a token that straddles a boundary (BPE may
 * merge across it) goes to the later span. Tokens inside assistant spans are trained on;
 * everything else (system, user, generation prompts, BOS) is masked.
 */
public final class ChatEncoder {
  private final ChatTemplate template;
  private final Tokenizer tokenizer;
  private final Map<String, Integer> specials = new LinkedHashMap<>();
  private final boolean forceBos;

  public ChatEncoder(ChatTemplate template, Tokenizer tokenizer) {
    this(template, tokenizer, false);
  }

  /**
   * With {@code forceBos} (open-instruct's {@code add_bos}) BOS goes first even when neither
   * the template nor the tokenizer puts it there.
   */
  public ChatEncoder(ChatTemplate template, Tokenizer tokenizer, boolean forceBos) {
    this.template = template;
    this.tokenizer = tokenizer;
    this.forceBos = forceBos;
    if (!(tokenizer instanceof HfTokenizer)) {
      if (!template.bosToken().isEmpty() && tokenizer.bosId() >= 0) {
        specials.put(template.bosToken(), tokenizer.bosId());
      }
      if (!template.eosToken().isEmpty() && tokenizer.eosId() >= 0) {
        specials.put(template.eosToken(), tokenizer.eosId());
      }
    }
  }

  /** The tokenizer's own template (or Tulu's) with its special tokens. */
  public static ChatEncoder forTokenizer(Tokenizer tokenizer) {
    return new ChatEncoder(ChatTemplate.forTokenizer(tokenizer), tokenizer);
  }

  public ChatTemplate template() {
    return template;
  }

  /** Ids of a conversation and, per token, whether the loss trains on it. */
  public record Encoded(int[] ids, boolean[] trained) {
    public int trainedCount() {
      int n = 0;
      for (boolean b : trained) {
        n += b ? 1 : 0;
      }
      return n;
    }
  }

  /** The prompt for generation: messages rendered with the generation prompt, as ids. */
  public int[] encodePrompt(List<ChatMessage> messages) {
    return encodeText(template.render(messages, true));
  }

  /** Ids and the assistant-only mask of a whole conversation (no generation prompt). */
  public Encoded encodeForTraining(List<ChatMessage> messages) {
    ChatTemplate.Rendered r = template.renderWithSpans(messages, false);
    int[] ids = encodeText(r.text());
    boolean[] trained = new boolean[ids.length];
    for (ChatTemplate.Span s : r.spans()) {
      if (!s.isAssistant()) {
        continue;
      }
      int from = tokenIndex(r.text(), s.contentStart(), ids);
      int to = tokenIndex(r.text(), s.end(), ids);
      Arrays.fill(trained, from, to, true);
    }
    return new Encoded(ids, trained);
  }

  /** The index of the first token at or after character {@code pos} of {@code text}. */
  private int tokenIndex(String text, int pos, int[] full) {
    if (pos >= text.length()) {
      return full.length;
    }
    int[] prefix = encodeText(text.substring(0, pos));
    int n = 0;
    while (n < prefix.length && n < full.length && prefix[n] == full[n]) {
      n++;
    }
    return n;
  }

  /** Encodes rendered template text (special token texts as their ids; BOS as described). */
  public int[] encodeText(String text) {
    List<Integer> out = new ArrayList<>();
    boolean templateWroteBos = !template.bosToken().isEmpty()
        && text.startsWith(template.bosToken());
    if (!templateWroteBos && tokenizer.bosId() >= 0 && (forceBos || addsBos())) {
      out.add(tokenizer.bosId());
    }
    if (specials.isEmpty()) {
      for (int id : tokenizer.encode(text, false)) {
        out.add(id);
      }
    } else {
      List<String> keys = new ArrayList<>(specials.keySet());
      keys.sort(Comparator.comparingInt(String::length).reversed());
      int at = 0;
      int pieceStart = 0;
      while (at < text.length()) {
        String hit = null;
        for (String k : keys) {
          if (text.startsWith(k, at)) {
            hit = k;
            break;
          }
        }
        if (hit == null) {
          at++;
          continue;
        }
        encodePiece(text.substring(pieceStart, at), out);
        out.add(specials.get(hit));
        at += hit.length();
        pieceStart = at;
      }
      encodePiece(text.substring(pieceStart), out);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private void encodePiece(String piece, List<Integer> out) {
    if (!piece.isEmpty()) {
      for (int id : tokenizer.encode(piece, false)) {
        out.add(id);
      }
    }
  }

  private boolean addsBos() {
    if (tokenizer instanceof HfTokenizer hf) {
      return hf.addsBos();
    }
    int[] probe = tokenizer.encode("a", true);
    return probe.length > 0 && probe[0] == tokenizer.bosId();
  }
}
