package ai.temper.engine.chat;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import ai.temper.engine.store.ConversationRepository.ConversationRow;
import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.ConversationRepository.StoredMessage;
import ai.temper.engine.store.ConversationRepository.VerdictRow;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved conversation, kept in memory and in the database together: every change is written
 * at once, so a conversation can be reopened as it was left.
 *
 * <p>Turns alternate user and assistant; the system prompt is the conversation's, not a turn.
 * In a side-by-side conversation each assistant turn has two replies (left, side 0, and right,
 * side 1) and each side continues its own history: for an earlier turn it sees its own reply,
 * unless that turn was judged left or right, when both sides see the preferred reply. So after
 * judging every turn the two sides share their history, and each new pair answers the same
 * prompt.
 *
 * <p>Edits: editing an earlier turn deletes the turns after it (they answered something else);
 * regenerating replaces the last assistant turn. Verdicts of deleted turns go with them;
 * preference examples already added to a dataset stay there.
 *
 * <p>Methods touch the database: call them off the FX thread. They are synchronized, so the
 * two sides of a comparison may save their replies from their own threads.
 */
public final class ChatConversation {
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  private static final ObjectMapper JSON = Json.MAPPER;
  private static final int TITLE_LENGTH = 60;

  /** An assistant reply (or, on side 0 of a user turn, the user's text) with how it was made. */
  public record Reply(String content, Double tokensPerSecond, Integer tokens,
      String finishReason, String modelPath) {
    public static Reply text(String content) {
      return new Reply(content, null, null, null, null);
    }

    public static Reply of(ChatReply r, String modelPath) {
      return new Reply(r.text(), r.tokensPerSecond(), r.tokens(), r.finishReason().name(),
          modelPath);
    }
  }

  /** One turn: a user message ({@code left} holds it) or one or two assistant replies. */
  public record Turn(int idx, String role, Reply left, Reply right) {
    public boolean isUser() {
      return role.equals(USER);
    }

    public Reply side(int side) {
      return side == 0 ? left : right;
    }
  }

  private final Database db;
  private final long id;
  private Setup setup;
  private final List<Turn> turns = new ArrayList<>();
  private final Map<Integer, VerdictRow> verdicts = new HashMap<>();

  private ChatConversation(Database db, long id, Setup setup) {
    this.db = db;
    this.id = id;
    this.setup = setup;
  }

  /** Starts and saves a new conversation. */
  public static ChatConversation start(Database db, Setup setup) {
    long id = db.conversations().create(setup);
    return new ChatConversation(db, id, setup);
  }

  /** Reopens a saved conversation. */
  public static ChatConversation open(Database db, long id) {
    ConversationRow row = db.conversations().find(id).orElseThrow(
        () -> new TemperException("No conversation with id " + id));
    ChatConversation c = new ChatConversation(db, id, new Setup(row.title(), row.modelPath(),
        row.tokenizerPath(), row.secondModelPath(), row.secondTokenizerPath(),
        row.systemPrompt(), row.settings()));
    Map<Integer, Reply[]> byIdx = new java.util.TreeMap<>();
    Map<Integer, String> roles = new HashMap<>();
    for (StoredMessage m : db.conversations().messages(id)) {
      byIdx.computeIfAbsent(m.idx(), k -> new Reply[2])[Math.min(1, m.side())] =
          new Reply(m.content(), m.tokensPerSecond(), m.tokens(), m.finishReason(),
              m.modelPath());
      roles.put(m.idx(), m.role());
    }
    int expected = 0;
    for (var e : byIdx.entrySet()) {
      if (e.getKey() != expected) {
        break; // a gap cannot come from this class; keep the consistent prefix
      }
      c.turns.add(new Turn(e.getKey(), roles.get(e.getKey()), e.getValue()[0],
          e.getValue()[1]));
      expected++;
    }
    for (VerdictRow v : db.conversations().verdicts(id)) {
      c.verdicts.put(v.idx(), v);
    }
    return c;
  }

  public long id() {
    return id;
  }

  public synchronized Setup setup() {
    return setup;
  }

  public synchronized boolean sideBySide() {
    return setup.secondModelPath() != null;
  }

  public synchronized ChatSettings settings() {
    return ChatSettings.fromJson(setup.settings());
  }

  public synchronized List<Turn> turns() {
    return List.copyOf(turns);
  }

  public synchronized Map<Integer, Verdict> verdicts() {
    Map<Integer, Verdict> out = new HashMap<>();
    verdicts.forEach((k, v) -> out.put(k, Verdict.of(v.verdict())));
    return out;
  }

  /** Replaces the models, system prompt and settings (they apply to the next replies). */
  public synchronized void updateSetup(Setup s) {
    db.conversations().update(id, s);
    setup = s;
  }

  /**
   * Adds the user's next message and returns the turn the reply will take. An unanswered
   * user message at the end (its reply failed) is replaced.
   */
  public synchronized int addUser(String text) {
    if (!turns.isEmpty() && turns.get(turns.size() - 1).isUser()) {
      int idx = turns.size() - 1;
      setUser(idx, text);
      return idx + 1;
    }
    int idx = turns.size();
    db.conversations().putMessage(id, idx, 0, USER, text, null, null, null, null);
    turns.add(new Turn(idx, USER, Reply.text(text), null));
    if (idx == 0 && (setup.title() == null || setup.title().isBlank())) {
      String title = titleOf(text);
      db.conversations().rename(id, title);
      setup = new Setup(title, setup.modelPath(), setup.tokenizerPath(),
          setup.secondModelPath(), setup.secondTokenizerPath(), setup.systemPrompt(),
          setup.settings());
    }
    return idx + 1;
  }

  private void setUser(int idx, String text) {
    db.conversations().putMessage(id, idx, 0, USER, text, null, null, null, null);
    turns.set(idx, new Turn(idx, USER, Reply.text(text), null));
  }

  static String titleOf(String text) {
    String t = text.strip().replaceAll("\\s+", " ");
    return t.length() <= TITLE_LENGTH ? t : t.substring(0, TITLE_LENGTH - 1) + "…";
  }

  /**
   * What side {@code side} continues when it writes turn {@code idx}: the system prompt (when
   * not blank) and the turns before, each earlier assistant turn as this side wrote it or as
   * judged (see the class comment).
   */
  public synchronized List<ChatMessage> promptFor(int idx, int side) {
    List<ChatMessage> out = new ArrayList<>();
    if (setup.systemPrompt() != null && !setup.systemPrompt().isBlank()) {
      out.add(ChatMessage.system(setup.systemPrompt()));
    }
    for (int i = 0; i < Math.min(idx, turns.size()); i++) {
      Turn t = turns.get(i);
      if (t.isUser()) {
        out.add(ChatMessage.user(t.left().content()));
      } else {
        out.add(ChatMessage.assistant(seenBy(t, side).content()));
      }
    }
    return out;
  }

  private Reply seenBy(Turn t, int side) {
    VerdictRow v = verdicts.get(t.idx());
    int chosen = v == null ? -1 : Verdict.of(v.verdict()).chosenSide();
    int use = chosen >= 0 ? chosen : side;
    Reply r = t.side(use);
    return r != null ? r : t.left() != null ? t.left() : t.right();
  }

  /** The turn the next reply takes: after the last user message; -1 when none is due. */
  public synchronized int pendingReply() {
    if (turns.isEmpty()) {
      return -1;
    }
    Turn last = turns.get(turns.size() - 1);
    if (last.isUser()) {
      return turns.size();
    }
    boolean complete = last.left() != null && (!sideBySide() || last.right() != null);
    return complete ? -1 : last.idx();
  }

  /** Saves the reply of {@code side} for turn {@code idx} (the next turn, or the last one). */
  public synchronized void putReply(int idx, int side, Reply r) {
    if (side < 0 || side > 1) {
      throw new IllegalArgumentException("side must be 0 or 1");
    }
    if (idx < 1 || idx > turns.size() || !turns.get(idx - 1).isUser()) {
      throw new IllegalStateException("turn " + idx + " does not answer a user message");
    }
    db.conversations().putMessage(id, idx, side, ASSISTANT, r.content(), r.tokensPerSecond(),
        r.tokens(), r.finishReason(), r.modelPath());
    if (idx == turns.size()) {
      turns.add(new Turn(idx, ASSISTANT, side == 0 ? r : null, side == 1 ? r : null));
    } else {
      Turn t = turns.get(idx);
      turns.set(idx, new Turn(idx, ASSISTANT, side == 0 ? r : t.left(),
          side == 1 ? r : t.right()));
    }
  }

  /**
   * Replaces the text of turn {@code idx} (a user message, or one side's reply) and deletes
   * the turns after it. Returns the turn a reply is now due at (after an edited user
   * message), or -1.
   */
  public synchronized int edit(int idx, int side, String text) {
    if (idx < 0 || idx >= turns.size()) {
      throw new IllegalArgumentException("no turn " + idx);
    }
    truncate(idx + 1);
    Turn t = turns.get(idx);
    if (t.isUser()) {
      setUser(idx, text);
      return idx + 1;
    }
    Reply old = t.side(side);
    Reply r = new Reply(text, null, null, "EDITED", old == null ? null : old.modelPath());
    putReply(idx, side, r);
    return -1;
  }

  /**
   * Prepares to regenerate the last reply: deletes it (both sides, and its verdict) and
   * returns its turn; -1 when there is no user message to answer.
   */
  public synchronized int prepareRegenerate() {
    if (turns.isEmpty()) {
      return -1;
    }
    Turn last = turns.get(turns.size() - 1);
    if (last.isUser()) {
      return last.idx() + 1;
    }
    truncate(last.idx());
    return last.idx();
  }

  private void truncate(int fromIdx) {
    if (fromIdx >= turns.size()) {
      return;
    }
    db.conversations().truncate(id, fromIdx);
    turns.subList(fromIdx, turns.size()).clear();
    verdicts.keySet().removeIf(k -> k >= fromIdx);
  }

  /**
   * Judges the pair of replies at turn {@code idx}. Left or right adds one preference example
   * to the dataset {@code datasetId} (kind preference): the prompt the preferred side
   * answered, the preferred reply as chosen and the other as rejected, and the models and
   * settings in its meta. A tie is recorded with the conversation only (see V40__chat.sql).
   * Returns the example's position in the dataset, or -1 for a tie. A turn is judged once.
   */
  public synchronized long judge(int idx, Verdict verdict, Long datasetId) {
    if (!sideBySide()) {
      throw new TemperException("only side-by-side conversations can be judged");
    }
    if (idx < 0 || idx >= turns.size() || turns.get(idx).isUser()
        || turns.get(idx).left() == null || turns.get(idx).right() == null) {
      throw new TemperException("turn " + idx + " is not a pair of replies");
    }
    if (verdicts.containsKey(idx)) {
      throw new TemperException("turn " + idx + " was judged already ("
          + verdicts.get(idx).verdict() + ")");
    }
    Turn t = turns.get(idx);
    Long exampleIdx = null;
    Long dataset = null;
    Example example = null;
    if (verdict != Verdict.TIE) {
      if (datasetId == null) {
        throw new TemperException("pick a preference dataset to save the pair into");
      }
      DatasetInfo d = db.datasets().find(datasetId).orElseThrow(
          () -> new TemperException("No dataset with id " + datasetId));
      if (Datasets.kind(d) != DatasetKind.PREFERENCE) {
        throw new TemperException("Dataset '" + d.name() + "' holds " + d.kind()
            + " examples; pick or create a preference dataset");
      }
      int chosen = verdict.chosenSide();
      example = preferenceExample(t, chosen);
      dataset = datasetId;
    }
    Example ex = example;
    Long ds = dataset;
    long[] position = {-1};
    VerdictRow[] row = new VerdictRow[1];
    db.sql().inTransaction(c -> {
      Long at = null;
      if (ex != null) {
        at = db.datasets().appendExample(ds, ex.toJsonString(), ex.searchText(),
            ex.contentHash(), null);
        position[0] = at;
      }
      long vid = db.conversations().addVerdict(id, idx, verdict.id(), ds, at);
      row[0] = new VerdictRow(vid, idx, verdict.id(), ds, at, java.time.Instant.now());
      return null;
    });
    verdicts.put(idx, row[0]);
    return position[0];
  }

  private Example preferenceExample(Turn t, int chosen) {
    int rejected = 1 - chosen;
    List<Message> prompt = new ArrayList<>();
    for (ChatMessage m : promptFor(t.idx(), chosen)) {
      prompt.add(new Message(m.role(), m.content()));
    }
    ObjectNode meta = JSON.createObjectNode();
    meta.put("source", "chat");
    meta.put("conversation_id", id);
    meta.put("turn", t.idx());
    meta.put("chosen_model", t.side(chosen).modelPath());
    meta.put("rejected_model", t.side(rejected).modelPath());
    // false when an earlier turn was not judged and the two sides saw different histories
    meta.put("same_prompt", promptFor(t.idx(), 0).equals(promptFor(t.idx(), 1)));
    try {
      meta.set("settings", JSON.readTree(setup.settings() == null ? "{}" : setup.settings()));
    } catch (Exception e) {
      // settings are ours; an unreadable value is simply not copied
    }
    return Example.preference(prompt, List.of(Message.assistant(t.side(chosen).content())),
        List.of(Message.assistant(t.side(rejected).content()))).withMeta(meta);
  }

  /** Creates an empty preference dataset for judged pairs; returns its id. */
  public static long createPreferenceDataset(Database db, String name) {
    Datasets.requireFree(db, name);
    ObjectNode provenance = JSON.createObjectNode().put("source", "chat");
    return db.datasets().create(name, DatasetKind.PREFERENCE.id(), "chat", null, null,
        provenance.toString());
  }
}
