package ai.temper.engine.annotate;

import ai.temper.engine.TemperException;
import ai.temper.engine.annotate.Annotations.Item;
import ai.temper.engine.store.AnnotationRepository;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One file with everything an annotator on another machine needs: the session's identity and
 * question, the pairs assigned to the annotator (without their sources) and the annotator's
 * labels so far. The same file goes both ways: the annotator opens it in their own home
 * ({@link #open}), labels, writes a bundle there and sends it back to be {@link #merge}d.
 * Labels carry stable ids, so merging a file twice changes nothing.
 */
public final class Bundles {
  public static final String FORMAT = "temper-labels-bundle";
  public static final int VERSION = 1;

  /** What a merge did: labels added, replaced by a newer answer, and already present. */
  public record MergeResult(String session, String annotator, int added, int updated,
      int unchanged) {}

  private final Database db;
  private final Annotations annotations;
  private final AnnotationRepository repo;

  public Bundles(Database db) {
    this.db = db;
    this.annotations = new Annotations(db);
    this.repo = db.annotations();
  }

  /** Writes {@code annotator}'s bundle of session {@code s} to {@code out} (atomically). */
  public int write(SessionRow s, String annotator, Path out) {
    List<Item> queue = annotations.queue(s, annotator);
    ObjectNode root = Annotations.JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    ObjectNode session = root.putObject("session");
    session.put("uid", s.uid());
    session.put("name", s.name());
    session.put("source", s.source());
    session.put("overlap", s.overlap());
    session.put("seed", s.seed());
    session.set("settings", publicSettings(s));
    root.put("annotator", annotator);
    ArrayNode names = root.putArray("annotators");
    annotations.annotators(s).forEach(names::add);
    ArrayNode pairs = root.putArray("pairs");
    ArrayNode labels = root.putArray("labels");
    for (Item i : queue) {
      PairRow p = i.pair();
      pairs.addObject().put("idx", p.idx()).put("prompt", p.prompt())
          .put("response_a", p.responseA()).put("response_b", p.responseB());
      if (i.label() != null) {
        labels.add(labelJson(i.label()));
      }
    }
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, Annotations.JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsString(root));
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new TemperException("Cannot write " + out + ": " + e.getMessage(), e);
    }
    return queue.size();
  }

  /** The settings without where the pairs came from (models, datasets stay hidden). */
  private static ObjectNode publicSettings(SessionRow s) {
    ObjectNode o = Annotations.JSON.createObjectNode();
    o.set("question", Annotations.settings(s).path("question"));
    return o;
  }

  static ObjectNode labelJson(LabelRow l) {
    ObjectNode o = Annotations.JSON.createObjectNode();
    o.put("uid", l.uid());
    o.put("idx", l.pairIdx());
    o.put("annotator", l.annotator());
    o.put("choice", l.choice());
    if (l.rating() != null) {
      o.put("rating", l.rating());
    }
    if (l.reason() != null) {
      o.put("reason", l.reason());
    }
    if (l.leftSide() != null) {
      o.put("left_side", l.leftSide());
    }
    if (l.seconds() != null) {
      o.put("seconds", l.seconds());
    }
    o.put("created_at", l.createdAt().toString());
    o.put("updated_at", (l.updatedAt() == null ? l.createdAt() : l.updatedAt()).toString());
    return o;
  }

  static JsonNode read(Path file) {
    JsonNode root;
    try {
      root = Annotations.JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new TemperException("Cannot read the bundle " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new TemperException(file + " is not a Temper labels bundle (no \"format\": \""
          + FORMAT + "\")");
    }
    if (root.path("version").asInt() > VERSION) {
      throw new TemperException(file + " is a bundle of version "
          + root.path("version").asInt() + "; this Temper reads version " + VERSION);
    }
    for (String f : new String[] {"session", "annotator", "pairs", "labels"}) {
      if (!root.has(f)) {
        throw new TemperException("The bundle " + file + " lacks the field '" + f + "'");
      }
    }
    return root;
  }

  /**
   * Opens a bundle on the annotator's machine: creates the session (same identity) with the
   * annotator's pairs when this home does not have it, then merges the labels the bundle
   * holds. Returns the session.
   */
  public SessionRow open(Path file) {
    JsonNode root = read(file);
    JsonNode s = root.get("session");
    String uid = s.path("uid").asText();
    return db.sql().inTransaction(c -> {
      SessionRow session = repo.findSessionByUid(uid).orElse(null);
      if (session == null) {
        String name = s.path("name").asText();
        if (repo.findSession(name).isPresent()) {
          throw new TemperException("This home has another session named '" + name
              + "' (a different session with the same name); rename it before opening "
              + file);
        }
        List<String> names = new ArrayList<>();
        root.path("annotators").forEach(n -> names.add(n.asText()));
        String annotator = root.get("annotator").asText();
        if (!names.contains(annotator)) {
          names.add(annotator);
        }
        List<NewPair> pairs = new ArrayList<>();
        for (JsonNode p : root.get("pairs")) {
          String prompt = p.path("prompt").asText();
          String a = p.path("response_a").asText();
          String b = p.path("response_b").asText();
          pairs.add(new NewPair(p.path("idx").asInt(), prompt, a, b, null, null,
              Annotations.pairHash(prompt, a, b)));
        }
        JsonNode q = s.path("settings").path("question");
        session = annotations.create(name, uid, "bundle", names, s.path("overlap").asInt(),
            s.path("seed").asLong(), null, Annotations.Question.of(
                Annotations.JSON.createObjectNode().set("question", q.isMissingNode()
                    ? null : q)), null, pairs);
      } else {
        addMissing(session, root);
      }
      mergeLabels(session, root, file);
      return session;
    });
  }

  /**
   * A second annotator's bundle of a session this home already has: their pairs (the same
   * index and content as at the origin) and their name join it.
   */
  private void addMissing(SessionRow session, JsonNode root) {
    List<NewPair> missing = new ArrayList<>();
    for (JsonNode p : root.get("pairs")) {
      int idx = p.path("idx").asInt();
      if (repo.pair(session.id(), idx).isEmpty()) {
        String prompt = p.path("prompt").asText();
        String a = p.path("response_a").asText();
        String b = p.path("response_b").asText();
        missing.add(new NewPair(idx, prompt, a, b, null, null,
            Annotations.pairHash(prompt, a, b)));
      }
    }
    repo.addPairs(session.id(), missing);
    root.path("annotators").forEach(n -> repo.addSessionAnnotator(session.id(), n.asText()));
    repo.addSessionAnnotator(session.id(), root.get("annotator").asText());
  }

  /**
   * Merges the labels of a bundle into the session it belongs to. Refuses a bundle whose
   * session this home does not hold, or (with {@code expected}) of another session than that.
   */
  public MergeResult merge(Path file, String expected) {
    JsonNode root = read(file);
    JsonNode s = root.get("session");
    String uid = s.path("uid").asText();
    String name = s.path("name").asText();
    SessionRow session = repo.findSessionByUid(uid).orElseThrow(() -> new TemperException(
        "The bundle " + file + " belongs to session '" + name + "' (id " + uid + "), which this "
            + "home does not hold" + repo.findSession(name).map(other -> "; the session '"
                + name + "' here is a different one (id " + other.uid() + ")").orElse("")));
    if (expected != null && !expected.equals(session.name())) {
      throw new TemperException("The bundle " + file + " belongs to session '" + session.name()
          + "', not '" + expected + "'");
    }
    return db.sql().inTransaction(c -> mergeLabels(session, root, file));
  }

  private MergeResult mergeLabels(SessionRow session, JsonNode root, Path file) {
    int added = 0;
    int updated = 0;
    int unchanged = 0;
    for (JsonNode p : root.get("pairs")) {
      int idx = p.path("idx").asInt();
      PairRow here = repo.pair(session.id(), idx).orElse(null);
      long hash = Annotations.pairHash(p.path("prompt").asText(), p.path("response_a").asText(),
          p.path("response_b").asText());
      if (here == null || here.contentHash() != hash) {
        throw new TemperException("The bundle " + file + " has a pair " + idx + " that differs "
            + "from pair " + idx + " of session '" + session.name() + "' here; it was not "
            + "written from this session");
      }
    }
    for (JsonNode l : root.get("labels")) {
      String uid = l.path("uid").asText();
      int idx = l.path("idx").asInt();
      String annotator = l.path("annotator").asText();
      if (!uid.equals(Annotations.labelUid(session.uid(), idx, annotator))) {
        throw new TemperException("The bundle " + file + " has a label (" + uid + ") that does "
            + "not belong to session '" + session.name() + "'");
      }
      PairRow pair = repo.pair(session.id(), idx).orElseThrow(() -> new TemperException(
          "The bundle " + file + " labels pair " + idx + ", which session '" + session.name()
              + "' does not have"));
      Choice choice = Choice.of(l.path("choice").asText());
      Integer rating = l.hasNonNull("rating") ? l.get("rating").asInt() : null;
      String reason = l.hasNonNull("reason") ? l.get("reason").asText() : null;
      String left = l.hasNonNull("left_side") ? l.get("left_side").asText() : null;
      Double seconds = l.hasNonNull("seconds") ? l.get("seconds").asDouble() : null;
      Instant created = Instant.parse(l.path("created_at").asText());
      Instant updatedAt = Instant.parse(l.path("updated_at").asText());
      LabelRow existing = repo.label(uid).orElse(null);
      if (existing == null) {
        repo.annotator(annotator);
        repo.addSessionAnnotator(session.id(), annotator);
        repo.insertLabel(session.id(), uid, pair.id(), annotator, choice.id(), rating, reason,
            left, seconds, created, updatedAt);
        added++;
      } else if (same(existing, choice, rating, reason)) {
        unchanged++;
      } else if (existing.updatedAt() == null || updatedAt.isAfter(existing.updatedAt())) {
        repo.updateLabel(uid, choice.id(), rating, reason, left, seconds, updatedAt);
        updated++;
      } else {
        unchanged++;
      }
    }
    return new MergeResult(session.name(), root.path("annotator").asText(), added, updated,
        unchanged);
  }

  private static boolean same(LabelRow l, Choice c, Integer rating, String reason) {
    return l.choice().equals(c.id()) && java.util.Objects.equals(l.rating(), rating)
        && java.util.Objects.equals(l.reason(), reason);
  }
}
