package ai.temper.engine.annotate;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.Datasets;
import ai.temper.engine.data.Example;
import ai.temper.engine.data.Message;
import ai.temper.engine.store.AnnotationRepository;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.DatasetRepository.NewExample;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Labels in and out: self-contained JSON Lines (one label per line: prompt, response_a,
 * response_b, annotator, choice a|b|tie|both_bad, optional rating and reason) from a
 * spreadsheet or another labelling tool, and a session exported as a preference dataset.
 */
public final class LabelFiles {
  /** What an import did. */
  public record ImportResult(String session, boolean created, int lines, int newPairs,
      int added, int updated, int unchanged) {}

  /** How labels become preference pairs. */
  public enum Rule {
    /**
     * One row per pair: the response with more a/b votes is chosen. Ties and both-bad answers
     * vote for neither; a pair with equal votes (or only ties / both-bad) is left out.
     */
    MAJORITY,
    /**
     * One row per a/b label, naming its annotator ({@code annotator}); ties and both-bad
     * answers are left out (a pair with no preferred side teaches a reward model nothing).
     */
    PER_ANNOTATOR;

    public static Rule of(String s) {
      for (Rule r : values()) {
        if (r.name().replace('_', '-').equalsIgnoreCase(s)) {
          return r;
        }
      }
      throw new TemperException("unknown --rule '" + s + "' (majority or per-annotator)");
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String statement() {
      return switch (this) {
        case MAJORITY -> "majority vote per pair over a/b answers; ties and both-bad vote for "
            + "neither; pairs with equal votes are left out";
        case PER_ANNOTATOR -> "one row per a/b label with its annotator; ties and both-bad "
            + "answers are left out";
      };
    }
  }

  /** What an export wrote. */
  public record ExportResult(DatasetInfo dataset, int rows, int pairsLeftOut, String rule) {}

  private final Database db;
  private final Annotations annotations;
  private final AnnotationRepository repo;

  public LabelFiles(Database db) {
    this.db = db;
    this.annotations = new Annotations(db);
    this.repo = db.annotations();
  }

  private record Line(int number, String prompt, String a, String b, String annotator,
      Choice choice, Integer rating, String reason) {}

  /**
   * Imports labels into session {@code sessionName}, creating it when new (every annotator
   * sees every pair) and its pairs when their content is new. All or nothing; importing the
   * same file twice changes nothing.
   */
  public ImportResult importLabels(Path file, String sessionName) {
    List<Line> lines = readLines(file);
    return db.sql().inTransaction(c -> {
      SessionRow s = repo.findSession(sessionName).orElse(null);
      boolean created = s == null;
      if (created) {
        s = annotations.create(sessionName, null, "import", List.of(), 0, 0, null, null,
            Annotations.JSON.createObjectNode().put("imported_from", file.toString()),
            List.of());
      }
      int next = repo.pairCount(s.id());
      int newPairs = 0;
      int added = 0;
      int updated = 0;
      int unchanged = 0;
      for (Line l : lines) {
        PairRow pair = find(s, l.prompt, l.a, l.b);
        Choice choice = l.choice;
        if (pair == null) {
          PairRow swapped = find(s, l.prompt, l.b, l.a);
          if (swapped != null) {
            pair = swapped;
            choice = choice.swapped();
          }
        }
        if (pair == null) {
          repo.addPairs(s.id(), List.of(new NewPair(next, l.prompt, l.a, l.b, null, null,
              Annotations.pairHash(l.prompt, l.a, l.b))));
          pair = repo.pair(s.id(), next).orElseThrow();
          next++;
          newPairs++;
        }
        repo.addSessionAnnotator(s.id(), l.annotator);
        String uid = Annotations.labelUid(s.uid(), pair.idx(), l.annotator);
        LabelRow existing = repo.label(uid).orElse(null);
        Instant now = Instant.now();
        if (existing == null) {
          repo.insertLabel(s.id(), uid, pair.id(), l.annotator, choice.id(), l.rating,
              l.reason, null, null, now, now);
          added++;
        } else if (existing.choice().equals(choice.id())
            && Objects.equals(existing.rating(), l.rating)
            && Objects.equals(existing.reason(), l.reason)) {
          unchanged++;
        } else {
          repo.updateLabel(uid, choice.id(), l.rating, l.reason, existing.leftSide(),
              existing.seconds(), now);
          updated++;
        }
      }
      return new ImportResult(s.name(), created, lines.size(), newPairs, added, updated,
          unchanged);
    });
  }

  private PairRow find(SessionRow s, String prompt, String a, String b) {
    for (PairRow p : repo.pairsWithHash(s.id(), Annotations.pairHash(prompt, a, b))) {
      if (p.prompt().equals(prompt) && p.responseA().equals(a) && p.responseB().equals(b)) {
        return p;
      }
    }
    return null;
  }

  private static List<Line> readLines(Path file) {
    List<String> raw;
    try {
      raw = Files.readAllLines(file);
    } catch (IOException e) {
      throw new TemperException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    List<Line> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String text = raw.get(i).strip();
      if (text.isEmpty()) {
        continue;
      }
      String where = file + " line " + (i + 1);
      JsonNode n;
      try {
        n = Annotations.JSON.readTree(text);
      } catch (IOException e) {
        throw new TemperException(where + ": not JSON: " + e.getMessage().split("\n")[0]);
      }
      if (!n.isObject()) {
        throw new TemperException(where + ": expected a JSON object");
      }
      String prompt = required(n, "prompt", where);
      String a = required(n, "response_a", where);
      String b = required(n, "response_b", where);
      String annotator = required(n, "annotator", where);
      try {
        Annotations.checkAnnotator(annotator);
      } catch (TemperException e) {
        throw new TemperException(where + ": field 'annotator': " + e.getMessage());
      }
      Choice choice;
      try {
        choice = Choice.of(required(n, "choice", where));
      } catch (TemperException e) {
        throw new TemperException(where + ": field 'choice': " + e.getMessage());
      }
      if (choice == Choice.SKIP) {
        throw new TemperException(where + ": field 'choice': a skip is not a label "
            + "(a, b, tie or both_bad)");
      }
      Integer rating = null;
      if (n.hasNonNull("rating")) {
        if (!n.get("rating").canConvertToInt() || n.get("rating").asInt() < 1
            || n.get("rating").asInt() > 5) {
          throw new TemperException(where + ": field 'rating' must be an integer 1-5, got "
              + n.get("rating"));
        }
        rating = n.get("rating").asInt();
      }
      String reason = n.hasNonNull("reason") && !n.get("reason").asText().isBlank()
          ? n.get("reason").asText().strip() : null;
      out.add(new Line(i + 1, prompt, a, b, annotator, choice, rating, reason));
    }
    if (out.isEmpty()) {
      throw new TemperException(file + " holds no labels");
    }
    return out;
  }

  private static String required(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new TemperException(where + ": field '" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  /** Writes every label of a session in the import layout (one label per line). */
  public int exportLabels(SessionRow s, Path out) {
    Map<Long, PairRow> pairs = new LinkedHashMap<>();
    for (PairRow p : repo.pairs(s.id())) {
      pairs.put(p.id(), p);
    }
    int n = 0;
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp)) {
      for (LabelRow l : repo.labels(s.id())) {
        if (!Choice.of(l.choice()).isLabel()) {
          continue;
        }
        PairRow p = pairs.get(l.pairId());
        ObjectNode o = Annotations.JSON.createObjectNode();
        o.put("prompt", p.prompt()).put("response_a", p.responseA())
            .put("response_b", p.responseB()).put("annotator", l.annotator())
            .put("choice", l.choice());
        if (l.rating() != null) {
          o.put("rating", l.rating());
        }
        if (l.reason() != null) {
          o.put("reason", l.reason());
        }
        w.write(o.toString());
        w.write('\n');
        n++;
      }
    } catch (IOException e) {
      throw new TemperException("Cannot write " + out + ": " + e.getMessage(), e);
    }
    try {
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new TemperException("Cannot write " + out + ": " + e.getMessage(), e);
    }
    return n;
  }

  /**
   * Exports a session as a new preference dataset {@code name} (prompt, chosen, rejected;
   * meta: session, pair, votes or annotator), by {@code rule}; it then appears with the
   * other datasets. {@code onlyAnnotator} (per-annotator rule) keeps one annotator's rows.
   */
  public ExportResult exportDataset(SessionRow s, String name, Rule rule, String onlyAnnotator) {
    Datasets.requireFree(db, name);
    Map<Long, PairRow> pairs = new LinkedHashMap<>();
    for (PairRow p : repo.pairs(s.id())) {
      pairs.put(p.id(), p);
    }
    Map<Long, List<LabelRow>> byPair = new LinkedHashMap<>();
    for (LabelRow l : repo.labels(s.id())) {
      if (Choice.of(l.choice()).isLabel()) {
        byPair.computeIfAbsent(l.pairId(), k -> new ArrayList<>()).add(l);
      }
    }
    List<NewExample> rows = new ArrayList<>();
    int leftOut = 0;
    for (Map.Entry<Long, List<LabelRow>> e : byPair.entrySet()) {
      PairRow p = pairs.get(e.getKey());
      if (rule == Rule.MAJORITY) {
        int a = 0;
        int b = 0;
        int other = 0;
        for (LabelRow l : e.getValue()) {
          Choice c = Choice.of(l.choice());
          a += c == Choice.A ? 1 : 0;
          b += c == Choice.B ? 1 : 0;
          other += c.isPreference() ? 0 : 1;
        }
        if (a == b) {
          leftOut++;
          continue;
        }
        ObjectNode meta = meta(s, p);
        meta.put("votes_chosen", Math.max(a, b));
        meta.put("votes_rejected", Math.min(a, b));
        meta.put("votes_tie_or_both_bad", other);
        rows.add(example(rows.size(), p, a > b, meta));
      } else {
        boolean any = false;
        for (LabelRow l : e.getValue()) {
          Choice c = Choice.of(l.choice());
          if (!c.isPreference()
              || (onlyAnnotator != null && !onlyAnnotator.equals(l.annotator()))) {
            continue;
          }
          ObjectNode meta = meta(s, p);
          meta.put("annotator", l.annotator());
          if (l.rating() != null) {
            meta.put("rating", l.rating());
          }
          if (l.reason() != null) {
            meta.put("reason", l.reason());
          }
          rows.add(example(rows.size(), p, c == Choice.A, meta));
          any = true;
        }
        leftOut += any ? 0 : 1;
      }
    }
    if (rows.isEmpty()) {
      throw new TemperException("Session '" + s.name() + "' has no pair with a preferred side "
          + "under the rule " + rule.id() + " (" + rule.statement() + "); nothing exported");
    }
    ObjectNode prov = Annotations.JSON.createObjectNode();
    prov.put("source", "annotation session");
    prov.put("session", s.name());
    prov.put("session_uid", s.uid());
    prov.put("rule", rule.id());
    prov.put("rule_statement", rule.statement());
    if (onlyAnnotator != null) {
      prov.put("annotator", onlyAnnotator);
    }
    DatasetInfo d = db.sql().inTransaction(c -> {
      long id = db.datasets().create(name, "preference", "labels", null, null, null);
      db.datasets().insertExamples(id, rows);
      db.datasets().finish(id, rows.size(), prov.toString());
      return db.datasets().find(id).orElseThrow();
    });
    return new ExportResult(d, rows.size(), leftOut, rule.statement());
  }

  private static ObjectNode meta(SessionRow s, PairRow p) {
    ObjectNode meta = Annotations.JSON.createObjectNode();
    meta.put("session", s.name());
    meta.put("pair", p.idx());
    return meta;
  }

  private static NewExample example(int idx, PairRow p, boolean aChosen, ObjectNode meta) {
    List<Message> prompt = p.prompt().isEmpty() ? List.of() : List.of(Message.user(p.prompt()));
    Example ex = Example.preference(prompt,
        List.of(Message.assistant(aChosen ? p.responseA() : p.responseB())),
        List.of(Message.assistant(aChosen ? p.responseB() : p.responseA()))).withMeta(meta);
    return new NewExample(idx, ex.toJsonString(), ex.searchText(), ex.contentHash(), null);
  }
}
