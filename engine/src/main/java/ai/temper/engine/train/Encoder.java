package ai.temper.engine.train;

import ai.temper.engine.Faults;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Canonical examples to token sequences with their loss masks, truncated to max_seq_length.
 * Nothing is dropped silently: truncated examples, examples left without a trainable token and
 * examples the chat template cannot render with a loss mask are counted in {@link DataStats}
 * (the last with where they came from).
 */
public final class Encoder {
  /** A preference pair as two sequences whose masks cover only the final completion. */
  public record Pair(TokenSequence chosen, TokenSequence rejected) {}

  private final Tokenizer tokenizer;
  private final ChatEncoder chat;
  private final int maxLength;
  private final Integer maxPromptLength;
  private final JobContext ctx;

  public Encoder(Tokenizer tokenizer, ChatEncoder chat, int maxLength) {
    this(tokenizer, chat, maxLength, null, JobContext.none());
  }

  /** An encoder that checks {@code ctx} for cancellation before each example. */
  public Encoder(Tokenizer tokenizer, ChatEncoder chat, int maxLength, JobContext ctx) {
    this(tokenizer, chat, maxLength, null, ctx);
  }

  /** {@code maxPromptLength} (TRL's max_prompt_length; null: none) cuts pair prompts. */
  public Encoder(Tokenizer tokenizer, ChatEncoder chat, int maxLength, Integer maxPromptLength) {
    this(tokenizer, chat, maxLength, maxPromptLength, JobContext.none());
  }

  public Encoder(Tokenizer tokenizer, ChatEncoder chat, int maxLength, Integer maxPromptLength,
      JobContext ctx) {
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.maxLength = maxLength;
    this.maxPromptLength = maxPromptLength;
    this.ctx = ctx;
  }

  /** Between examples: stop when cancelled (a large dataset takes minutes to tokenize). */
  private void next() {
    ctx.checkCancelled();
    Faults.point("encode.example");
  }

  /** Pretraining: BOS + text + EOS, every token trained; packed rows when {@code packing}. */
  public List<TokenSequence> texts(List<JsonNode> examples, boolean packing, DataStats stats) {
    List<TokenSequence> seqs = new ArrayList<>();
    for (JsonNode e : examples) {
      next();
      int[] ids = tokenizer.encode(e.get("text").asText(), true);
      if (tokenizer.eosId() >= 0) {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = tokenizer.eosId();
      }
      TokenSequence s = TokenSequence.allTrained(ids);
      if (packing) {
        stats.add(false, s.trainedCount() == 0, s.length(), s.trainedCount());
        seqs.add(s);
      } else {
        add(s, seqs, stats);
      }
    }
    return packing ? Packing.pack(seqs, maxLength) : seqs;
  }

  /** SFT: whole conversations in the chat template, loss on assistant turns only. */
  public List<TokenSequence> conversations(List<JsonNode> examples, boolean packing,
      DataStats stats) {
    List<TokenSequence> seqs = new ArrayList<>();
    for (JsonNode e : examples) {
      next();
      ChatEncoder.Encoded enc;
      try {
        enc = chat.encodeForTraining(messages(e.get("messages")));
      } catch (ChatTemplate.UnrenderableConversationException ex) {
        stats.unrenderable(TrainingData.where(e), ex.getMessage());
        continue;
      }
      TokenSequence s = new TokenSequence(enc.ids(), enc.trained());
      if (packing) {
        // packed rows are cut at max_seq_length, so a long conversation spans two rows instead
        stats.add(false, s.trainedCount() == 0, s.length(), s.trainedCount());
        if (s.trainedCount() > 0) {
          seqs.add(s);
        }
      } else {
        add(s, seqs, stats);
      }
    }
    return packing ? Packing.pack(seqs, maxLength) : seqs;
  }

  /** Preference pairs: prompt + chosen and prompt + rejected, loss on the completion only. */
  public List<Pair> pairs(List<JsonNode> examples, DataStats stats) {
    List<Pair> out = new ArrayList<>();
    for (JsonNode e : examples) {
      next();
      List<ChatMessage> prompt = messages(e.get("prompt"));
      TokenSequence c;
      TokenSequence r;
      try {
        c = completion(prompt, messages(e.get("chosen")));
        r = completion(prompt, messages(e.get("rejected")));
      } catch (ChatTemplate.UnrenderableConversationException ex) {
        stats.unrenderable(TrainingData.where(e), ex.getMessage());
        continue;
      }
      TokenSequence ct = c.truncate(maxLength);
      TokenSequence rt = r.truncate(maxLength);
      boolean truncated = ct != c || rt != r;
      boolean skipped = ct.trainedCount() == 0 || rt.trainedCount() == 0;
      stats.add(truncated, skipped, ct.length() + rt.length(),
          ct.trainedCount() + rt.trainedCount());
      if (!skipped) {
        out.add(new Pair(ct, rt));
      }
    }
    return out;
  }

  /** prompt + completion encoded whole; the mask keeps only tokens after the prompt. */
  private TokenSequence completion(List<ChatMessage> prompt, List<ChatMessage> completion) {
    List<ChatMessage> all = new ArrayList<>(prompt);
    all.addAll(completion);
    ChatEncoder.Encoded enc = chat.encodeForTraining(all);
    int[] promptIds = chat.encodePrompt(prompt);
    int shared = 0;
    while (shared < promptIds.length && shared < enc.ids().length
        && promptIds[shared] == enc.ids()[shared]) {
      shared++;
    }
    boolean[] trained = enc.trained().clone();
    Arrays.fill(trained, 0, shared, false);
    int[] ids = enc.ids();
    if (maxPromptLength != null && shared > maxPromptLength) {
      // TRL keeps the end of a long prompt; BOS, when first, stays first
      int keepBos = ids.length > 0 && ids[0] == tokenizer.bosId() ? 1 : 0;
      int drop = shared - Math.max(maxPromptLength, keepBos);
      int[] cut = new int[ids.length - drop];
      boolean[] cutTrained = new boolean[cut.length];
      System.arraycopy(ids, 0, cut, 0, keepBos);
      System.arraycopy(ids, keepBos + drop, cut, keepBos, ids.length - keepBos - drop);
      System.arraycopy(trained, keepBos + drop, cutTrained, keepBos, cut.length - keepBos);
      return new TokenSequence(cut, cutTrained);
    }
    return new TokenSequence(ids, trained);
  }

  private void add(TokenSequence s, List<TokenSequence> out, DataStats stats) {
    TokenSequence t = s.truncate(maxLength);
    boolean skipped = t.trainedCount() == 0;
    stats.add(t != s, skipped, t.length(), t.trainedCount());
    if (!skipped) {
      out.add(t);
    }
  }

  static List<ChatMessage> messages(JsonNode array) {
    List<ChatMessage> out = new ArrayList<>();
    if (array != null) {
      for (JsonNode m : array) {
        out.add(ChatMessage.of(ai.temper.engine.data.Message.fromJson(m)));
      }
    }
    return out;
  }
}
