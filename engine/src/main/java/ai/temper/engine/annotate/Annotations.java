package ai.temper.engine.annotate;

import ai.temper.engine.Faults;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.AnnotationRepository.SessionSummary;
import ai.temper.engine.store.AnnotationRepository;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Preference-labelling sessions of one home: creating them with their pairs, each
 * annotator's queue with the sides shown, and labels committed the moment they are given.
 *
 * <p>Pair i of a session with n annotators and overlap k goes to the annotators at positions
 * i, i+1, ..., i+k-1 (mod n); overlap 0 means every annotator sees every pair. Which response
 * is shown on the left follows from (session seed, pair, annotator), so it is random across
 * pairs and annotators but the same every time one annotator sees one pair, on any machine.
 */
public final class Annotations {
  static final ObjectMapper JSON = Json.MAPPER;

  /** One entry of an annotator's queue: the pair, the side shown left and the label if any. */
  public record Item(int position, PairRow pair, String leftSide, LabelRow label) {
    public String left() {
      return "a".equals(leftSide) ? pair.responseA() : pair.responseB();
    }

    public String right() {
      return "a".equals(leftSide) ? pair.responseB() : pair.responseA();
    }

    public boolean labelled() {
      return label != null;
    }

    /** The stored answer as the annotator saw it, or null. */
    public Choice.Screen screenChoice() {
      return label == null ? null : Choice.Screen.of(Choice.of(label.choice()), leftSide);
    }
  }

  /** What a session asks: the question text, and whether a rating and a reason are asked. */
  public record Question(String text, boolean rating, boolean reason) {
    public static final String DEFAULT = "Which response is better?";

    static Question of(JsonNode settings) {
      JsonNode q = settings == null ? null : settings.get("question");
      if (q == null) {
        return new Question(DEFAULT, false, false);
      }
      return new Question(q.path("text").asText(DEFAULT), q.path("rating").asBoolean(false),
          q.path("reason").asBoolean(false));
    }

    ObjectNode toJson() {
      ObjectNode o = JSON.createObjectNode();
      o.put("text", text);
      o.put("rating", rating);
      o.put("reason", reason);
      return o;
    }
  }

  private final Database db;
  private final AnnotationRepository repo;

  public Annotations(Database db) {
    this.db = db;
    this.repo = db.annotations();
  }

  public Database db() {
    return db;
  }

  /** Label bundles: one annotator's pairs out to a file, and returned labels merged back. */
  public Bundles bundles() {
    return new Bundles(db);
  }

  /** Brings the verdicts given on the Chat page into the chat session; how many were new. */
  public int syncChatVerdicts() {
    return ChatSessions.sync(db);
  }

  /** Pairs taken from a stored preference dataset (at most {@code limit}; 0 for all). */
  public List<NewPair> pairsFromDataset(String dataset, int limit) {
    return PairSources.fromDataset(db, dataset, limit);
  }

  /** Prompts from a JSONL file or a stored dataset (at most {@code limit}; 0 for all). */
  public List<String> prompts(String fileOrDataset, int limit) {
    return PairSources.prompts(db, fileOrDataset, limit);
  }

  public List<SessionSummary> sessions() {
    return repo.sessions();
  }

  /** The session called {@code name}, or an error listing the sessions there are. */
  public SessionRow require(String name) {
    return repo.findSession(name).orElseThrow(() -> {
      List<String> names = new ArrayList<>();
      for (SessionSummary s : repo.sessions()) {
        names.add(s.name());
      }
      return new TemperException("No annotation session named '" + name + "'"
          + (names.isEmpty() ? " (there are none; create one with: temper labels session "
              + "create)" : "; there are: " + String.join(", ", names)));
    });
  }

  public Question question(SessionRow s) {
    return Question.of(settings(s));
  }

  static ObjectNode settings(SessionRow s) {
    try {
      return s.settings() == null ? JSON.createObjectNode()
          : (ObjectNode) JSON.readTree(s.settings());
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /**
   * Creates a session with its annotators and pairs in one transaction. {@code settings} may
   * be null; the question is added to it.
   */
  public SessionRow create(String name, String uid, String source, List<String> annotators,
      int overlap, long seed, Long datasetId, Question question, ObjectNode settings,
      List<NewPair> pairs) {
    checkName(name);
    for (String a : annotators) {
      checkAnnotator(a);
    }
    if (overlap < 0 || (overlap > annotators.size() && !annotators.isEmpty())) {
      throw new TemperException("--overlap must be between 1 and the number of annotators ("
          + annotators.size() + "), or 0 for all; got " + overlap);
    }
    ObjectNode s = settings == null ? JSON.createObjectNode() : settings.deepCopy();
    s.set("question", (question == null ? new Question(Question.DEFAULT, false, false)
        : question).toJson());
    String id = uid == null ? UUID.randomUUID().toString() : uid;
    return db.sql().inTransaction(c -> {
      if (repo.findSession(name).isPresent()) {
        throw new TemperException("An annotation session named '" + name + "' exists already");
      }
      long sid = repo.createSession(id, name, source, overlap, seed, datasetId, s.toString());
      for (String a : annotators) {
        repo.addSessionAnnotator(sid, a);
      }
      repo.addPairs(sid, pairs);
      return repo.findSession(sid).orElseThrow();
    });
  }

  static void checkName(String name) {
    if (name == null || name.isBlank() || !name.equals(name.strip()) || name.length() > 200
        || name.chars().anyMatch(Character::isISOControl)) {
      throw new TemperException("A session needs a name of 1-200 characters without "
          + "surrounding spaces or control characters; got '" + name + "'");
    }
  }

  static void checkAnnotator(String name) {
    if (name == null || name.isBlank() || !name.equals(name.strip()) || name.length() > 200
        || name.chars().anyMatch(Character::isISOControl)) {
      throw new TemperException("An annotator needs a name of 1-200 characters without "
          + "surrounding spaces or control characters; got '" + name + "'");
    }
  }

  public List<String> annotators(SessionRow s) {
    return repo.sessionAnnotators(s.id());
  }

  public List<PairRow> pairs(SessionRow s) {
    return repo.pairs(s.id());
  }

  public List<LabelRow> labels(SessionRow s) {
    return repo.labels(s.id());
  }

  /** Whether pair {@code idx} goes to the annotator at {@code position} of {@code n}. */
  static boolean assigned(int idx, int position, int n, int overlap) {
    if (overlap <= 0 || overlap >= n) {
      return true;
    }
    return Math.floorMod(position - idx, n) < overlap;
  }

  /**
   * The annotator's pairs in order, each with the side shown left and the label given (if
   * any). Fails when the annotator is not one of the session's.
   */
  public List<Item> queue(SessionRow s, String annotator) {
    List<String> names = repo.sessionAnnotators(s.id());
    int position = names.indexOf(annotator);
    if (position < 0) {
      throw new TemperException("'" + annotator + "' is not an annotator of session '"
          + s.name() + "'" + (names.isEmpty() ? "" : "; its annotators are: "
              + String.join(", ", names)));
    }
    java.util.Map<Long, LabelRow> byPair = new java.util.HashMap<>();
    for (LabelRow l : repo.labels(s.id(), annotator)) {
      byPair.put(l.pairId(), l);
    }
    List<Item> out = new ArrayList<>();
    for (PairRow p : repo.pairs(s.id())) {
      if (assigned(p.idx(), position, names.size(), s.overlap())) {
        out.add(new Item(out.size(), p, leftSide(s.seed(), p.idx(), annotator),
            byPair.get(p.id())));
      }
    }
    return out;
  }

  /** Where an annotator resumes: the first pair of the queue without a label (or the end). */
  public static int resumeAt(List<Item> queue) {
    for (Item i : queue) {
      if (!i.labelled()) {
        return i.position();
      }
    }
    return queue.size();
  }

  /**
   * Records (or replaces) {@code annotator}'s answer on pair {@code pairIdx}; committed to the
   * database before this returns.
   */
  public LabelRow label(SessionRow s, String annotator, int pairIdx, Choice choice,
      Integer rating, String reason, Double seconds) {
    if (rating != null && (rating < 1 || rating > 5)) {
      throw new TemperException("a rating is 1 to 5, got " + rating);
    }
    PairRow p = repo.pair(s.id(), pairIdx).orElseThrow(() -> new TemperException(
        "Session '" + s.name() + "' has no pair " + pairIdx));
    String uid = labelUid(s.uid(), pairIdx, annotator);
    String left = leftSide(s.seed(), pairIdx, annotator);
    String why = reason == null || reason.isBlank() ? null : reason.strip();
    Instant now = Instant.now();
    LabelRow row = db.sql().inTransaction(c -> {
      if (repo.label(uid).isPresent()) {
        repo.updateLabel(uid, choice.id(), rating, why, left, seconds, now);
      } else {
        repo.insertLabel(s.id(), uid, p.id(), annotator, choice.id(), rating, why, left,
            seconds, now, now);
      }
      return repo.label(uid).orElseThrow();
    });
    Faults.point("annotate.label");
    return row;
  }

  /**
   * Removes the annotator's most recent label and returns its pair's index, or empty when
   * there is none.
   */
  public Optional<Integer> undo(SessionRow s, String annotator) {
    LabelRow last = null;
    for (LabelRow l : repo.labels(s.id(), annotator)) {
      if (last == null || !l.updatedAt().isBefore(last.updatedAt())) {
        last = l;
      }
    }
    if (last == null) {
      return Optional.empty();
    }
    repo.deleteLabel(last.uid());
    return Optional.of(last.pairIdx());
  }

  /** The stable id of one annotator's label on one pair of one session, on any machine. */
  public static String labelUid(String sessionUid, int pairIdx, String annotator) {
    return hex(sha256(sessionUid + "\n" + pairIdx + "\n" + annotator), 16);
  }

  /** "a" or "b": the response shown on the left to this annotator for this pair. */
  public static String leftSide(long seed, int pairIdx, String annotator) {
    byte[] d = sha256(seed + "\n" + pairIdx + "\n" + annotator);
    return (d[0] & 1) == 0 ? "a" : "b";
  }

  /** The fingerprint imports match pairs by. */
  public static long pairHash(String prompt, String a, String b) {
    byte[] d = sha256(prompt + "\u0000" + a + "\u0000" + b);
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    return h;
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] d, int bytes) {
    return HexFormat.of().formatHex(d, 0, bytes);
  }
}
