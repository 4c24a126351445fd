package ai.temper.engine.data;

import ai.temper.engine.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A sample RLVR task in the world of the TinyStories models: "Write a story about NAME who
 * has a COLOUR OBJECT." The verifier is open-instruct's {@code ifeval_old}
 * {@code verify_keywords} with the name, the colour and the object, so a story passes when it
 * names all three (case-insensitive). Held-out prompts use names and colour-object
 * combinations that no training prompt (and no SFT story) uses, so a rising held-out pass rate
 * means the model learned to follow the prompt, not to repeat the training words.
 *
 * <p>Files: {@code rlvr-train.jsonl} and {@code rlvr-heldout.jsonl} (open-instruct RLVR rows:
 * {@code messages}, {@code ground_truth}, {@code dataset}); {@code sft.jsonl} (the training
 * prompts answered by a templated story, for the SFT run that GRPO starts from).
 */
public final class StoryWorld {
  public static final List<String> TRAIN_NAMES = List.of("Lily", "Tim", "Ben", "Sue", "Tom",
      "Anna", "Sam", "Max", "Lucy", "Jack");
  public static final List<String> HELDOUT_NAMES = List.of("Mia", "Bob", "Kate");
  public static final List<String> COLOURS = List.of("red", "blue", "green", "yellow", "pink");
  public static final List<String> OBJECTS = List.of("ball", "car", "hat", "box", "bird",
      "cat", "dog", "kite");
  private static final ObjectMapper JSON = Json.MAPPER;
  private static final String[] OPENINGS = {
      "Once upon a time, there was a little %s. %s had a %s %s.",
      "One day, %2$s went to the park. %2$s had a %3$s %4$s.",
      "%2$s was a happy %1$s. %2$s liked the %3$s %4$s.",
  };
  private static final String[] ENDINGS = {
      " %s played with it every day and was very happy.",
      " It was the best %3$s in the world, and %1$s loved it.",
      " %s showed it to mom, and mom smiled.",
  };

  /** The three files' rows. */
  public record Sets(List<ObjectNode> train, List<ObjectNode> heldout, List<ObjectNode> sft) {}

  private StoryWorld() {}

  /** Whether a colour-object pair is held out (about one in four, fixed). */
  static boolean heldOutCombination(int colour, int object) {
    return (colour * 3 + object) % 4 == 0;
  }

  /** Generates {@code trainCount} training and {@code heldoutCount} held-out prompts. */
  public static Sets generate(long seed, int trainCount, int heldoutCount) {
    Random r = new Random(seed);
    List<int[]> trainCombos = new ArrayList<>();
    List<int[]> heldCombos = new ArrayList<>();
    for (int c = 0; c < COLOURS.size(); c++) {
      for (int o = 0; o < OBJECTS.size(); o++) {
        (heldOutCombination(c, o) ? heldCombos : trainCombos).add(new int[] {c, o});
      }
    }
    List<ObjectNode> train = new ArrayList<>();
    List<ObjectNode> sft = new ArrayList<>();
    for (int i = 0; i < trainCount; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      int[] co = trainCombos.get(r.nextInt(trainCombos.size()));
      train.add(row(name, COLOURS.get(co[0]), OBJECTS.get(co[1])));
      sft.add(sftRow(name, COLOURS.get(co[0]), OBJECTS.get(co[1]), r));
    }
    List<ObjectNode> held = new ArrayList<>();
    for (int i = 0; i < heldoutCount; i++) {
      // a quarter new names with seen combinations, the rest seen names with new combinations
      boolean newName = i % 4 == 0;
      String name = newName ? HELDOUT_NAMES.get(r.nextInt(HELDOUT_NAMES.size()))
          : TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      List<int[]> pool = newName ? trainCombos : heldCombos;
      int[] co = pool.get(r.nextInt(pool.size()));
      held.add(row(name, COLOURS.get(co[0]), OBJECTS.get(co[1])));
    }
    Collections.shuffle(held, r);
    return new Sets(train, held, sft);
  }

  /** The prompt text of one task. */
  public static String prompt(String name, String colour, String object) {
    return "Write a story about " + name + " who has a " + colour + " " + object + ".";
  }

  static ObjectNode row(String name, String colour, String object) {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("messages").addObject().put("role", "user")
        .put("content", prompt(name, colour, object));
    ObjectNode truth = JSON.createObjectNode();
    truth.put("func_name", "verify_keywords");
    ArrayNode words = truth.putArray("keyword_list");
    words.add(name).add(colour).add(object);
    o.put("ground_truth", truth.toString());
    o.put("dataset", "ifeval");
    return o;
  }

  static ObjectNode sftRow(String name, String colour, String object, Random r) {
    String kind = r.nextBoolean() ? "girl" : "boy";
    String story = String.format(OPENINGS[r.nextInt(OPENINGS.length)], kind, name, colour,
        object) + String.format(ENDINGS[r.nextInt(ENDINGS.length)], name, colour, object);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode m = o.putArray("messages");
    m.addObject().put("role", "user").put("content", prompt(name, colour, object));
    m.addObject().put("role", "assistant").put("content", story);
    return o;
  }

  /** Writes rlvr-train.jsonl, rlvr-heldout.jsonl and sft.jsonl into {@code dir}. */
  public static Sets write(Path dir, long seed, int trainCount, int heldoutCount)
      throws IOException {
    Sets s = generate(seed, trainCount, heldoutCount);
    Files.createDirectories(dir);
    writeJsonl(dir.resolve("rlvr-train.jsonl"), s.train());
    writeJsonl(dir.resolve("rlvr-heldout.jsonl"), s.heldout());
    writeJsonl(dir.resolve("sft.jsonl"), s.sft());
    return s;
  }

  // ---- the starter world: everything a recipe needs from a clone (issue 16) ----

  static final List<String> KINDS = List.of("girl", "boy", "cat", "dog", "bird", "bear");
  static final List<String> PLACES = List.of("park", "garden", "house", "forest", "pond",
      "yard");
  private static final String[] PLOTS = {
      " One day, %1$s lost the %2$s %3$s in the %4$s. %1$s looked and looked, and then %1$s"
          + " found it under a tree.",
      " One day, %5$s wanted to play with the %2$s %3$s. %1$s said yes, and they played"
          + " together.",
      " One day, the %2$s %3$s fell in the mud. %1$s washed it, and it was clean again.",
      " One day, %1$s took the %2$s %3$s to the %4$s. The sun was warm and the sky was blue.",
  };
  private static final String[] KIND_ENDINGS = {
      " %1$s was kind and shared it with %2$s. They were both very happy.",
      " %1$s smiled and helped %2$s. They became good friends.",
      " %1$s gave %2$s a big hug. It was a good day.",
  };
  private static final String[] UNKIND_ENDINGS = {
      " %1$s was angry and pushed %2$s away. %2$s cried.",
      " %1$s yelled at %2$s and broke the toys.",
      " %1$s was mean to %2$s and did not share.",
  };

  /** What {@link #writeStarter} wrote. */
  public record Starter(Path dir, int pretrain, int sft, int preferences, int rlvrTrain,
      int rlvrHeldout, int evalDev, int evalUnseen, int vocabSize) {
    public String summary() {
      return String.format(java.util.Locale.ROOT, "%d pretraining stories, %d SFT examples, "
          + "%d preference pairs, %d+%d RLVR prompts (train+held out), eval %d dev / %d unseen"
          + " instances, tokenizer of %d tokens", pretrain, sft, preferences, rlvrTrain,
          rlvrHeldout, evalDev, evalUnseen, vocabSize);
    }
  }

  /** One story's choices: who, with what, where, which plot, which ending. */
  record Plan(String kind, String name, String friend, String colour, String object,
      String place, int plot, boolean kindEnding, int ending) {
    Plan withEnding(boolean kindly, int which) {
      return new Plan(kind, name, friend, colour, object, place, plot, kindly, which);
    }

    Plan about(String otherName, String otherColour, String otherObject) {
      return new Plan(kind, otherName, friend.equals(otherName) ? "a friend" : friend,
          otherColour, otherObject, place, plot, kindEnding, ending);
    }

    String text() {
      String opening = "Once upon a time, there was a little " + kind + " named " + name + ". "
          + name + " liked to play in the " + place + ". " + name + " had a " + colour + " "
          + object + ".";
      String p = String.format(PLOTS[plot], name, colour, object, place, friend);
      String[] endings = kindEnding ? KIND_ENDINGS : UNKIND_ENDINGS;
      return opening + p + String.format(endings[ending], name, friend);
    }
  }

  /** Draws a story about {@code name} with the pair {@code co} (a kind ending one in three). */
  static Plan plan(Random r, String name, List<String> friends, int[] co) {
    String friend = friends.get(r.nextInt(friends.size()));
    if (friend.equals(name)) {
      friend = "a friend";
    }
    String kind = KINDS.get(r.nextInt(KINDS.size()));
    String place = PLACES.get(r.nextInt(PLACES.size()));
    int plot = r.nextInt(PLOTS.length);
    boolean kindly = r.nextInt(3) == 0;
    int ending = r.nextInt(kindly ? KIND_ENDINGS.length : UNKIND_ENDINGS.length);
    return new Plan(kind, name, friend, COLOURS.get(co[0]), OBJECTS.get(co[1]), place, plot,
        kindly, ending);
  }

  /** One plain story about a name from {@code names} and a pair from {@code combos}. */
  static String story(Random r, List<String> names, List<int[]> combos) {
    String name = names.get(r.nextInt(names.size()));
    return plan(r, name, names, combos.get(r.nextInt(combos.size()))).text();
  }

  private static List<int[]> combos(boolean heldOut) {
    List<int[]> out = new ArrayList<>();
    for (int c = 0; c < COLOURS.size(); c++) {
      for (int o = 0; o < OBJECTS.size(); o++) {
        if (heldOutCombination(c, o) == heldOut) {
          out.add(new int[] {c, o});
        }
      }
    }
    return out;
  }

  private static ObjectNode textRow(String text) {
    return JSON.createObjectNode().put("text", text);
  }

  /** The RLVR prompt: the SFT instruction plus a place the story must be set in. */
  public static String placePrompt(String name, String colour, String object, String place) {
    return "Write a story about " + name + " who has a " + colour + " " + object
        + " and plays in the " + place + ".";
  }

  private static ObjectNode chat(String prompt, String answer) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode m = o.putArray("messages");
    m.addObject().put("role", "user").put("content", prompt);
    if (answer != null) {
      m.addObject().put("role", "assistant").put("content", answer);
    }
    return o;
  }

  private static ObjectNode verified(ObjectNode row, String groundTruth) {
    row.put("ground_truth", groundTruth);
    row.put("dataset", "ifeval");
    return row;
  }

  private static String keywords(String... words) {
    ObjectNode t = JSON.createObjectNode();
    t.put("func_name", "verify_keywords");
    ArrayNode a = t.putArray("keyword_list");
    for (String w : words) {
      a.add(w);
    }
    return t.toString();
  }

  /** The last sentence of each kind ending: a story passes "kind" when it ends with one. */
  static List<String> kindEndingSentences() {
    return List.of("They were both very happy.", "They became good friends.",
        "It was a good day.");
  }

  /** Prompt rows for the three eval tasks: follow, kind and place (verified, no answer). */
  private static List<List<ObjectNode>> evalPrompts(Random r, List<String> names,
      List<int[]> combos, int n) {
    List<ObjectNode> follow = new ArrayList<>();
    List<ObjectNode> kind = new ArrayList<>();
    List<ObjectNode> place = new ArrayList<>();
    ObjectNode choice = JSON.createObjectNode();
    choice.put("func_name", "validate_choice");
    ArrayNode opts = choice.putArray("options");
    kindEndingSentences().forEach(opts::add);
    for (int i = 0; i < n; i++) {
      String name = names.get(r.nextInt(names.size()));
      int[] co = combos.get(r.nextInt(combos.size()));
      String colour = COLOURS.get(co[0]);
      String object = OBJECTS.get(co[1]);
      String where = PLACES.get(r.nextInt(PLACES.size()));
      follow.add(verified(chat(prompt(name, colour, object), null),
          keywords(name, colour, object)));
      kind.add(verified(chat(prompt(name, colour, object), null), choice.toString()));
      place.add(verified(chat(placePrompt(name, colour, object, where), null),
          keywords(name, colour, object, where)));
    }
    return List.of(follow, kind, place);
  }

  /**
   * Writes the starter world into {@code dir}. Every story has one shape (an opening that
   * names who, where and what, a plot, then a kind ending one time in three, else an unkind
   * one), so each post-training stage has one thing to teach, measured by its own eval task:
   * <ul>
   *   <li>{@code pretrain.jsonl}: plain stories (seen names and colour-object pairs only), half
   *       of them under a title line "A story about NAME who has a COLOUR OBJECT." for the
   *       base; {@code tokenizer.bin}: a BPE trained on them (llama2.c format);</li>
   *   <li>{@code sft.jsonl}: "Write a story about NAME who has a COLOUR OBJECT." -> a story
   *       about exactly that (endings as in the corpus): SFT teaches following the
   *       instruction (task {@code follow});</li>
   *   <li>{@code prefs.jsonl}: the same prompts; chosen: a story that follows it and ends
   *       kindly; rejected: the same story with an unkind ending (two pairs in three) or a
   *       kind story about someone else: DPO teaches kind endings (task {@code kind});</li>
   *   <li>{@code rlvr-train.jsonl}: the instruction plus "and plays in the PLACE", verified by
   *       {@code verify_keywords} with the name, colour and object and, as a second
   *       constraint, the place (partial credit): RLVR teaches a constraint that SFT never
   *       showed (task {@code place}); {@code rlvr-heldout.jsonl}: such prompts with held-out
   *       names and pairs;</li>
   *   <li>{@code eval/suite.yaml}: each task on development prompts (seen names and pairs,
   *       new draws) and unseen prompts (the held-out names Mia, Bob, Kate and held-out
   *       colour-object pairs), plus perplexity of fresh stories.</li>
   * </ul>
   * The same seed writes the same bytes.
   */
  public static Starter writeStarter(Path dir, long seed) throws IOException {
    Random r = new Random(seed);
    List<int[]> seen = combos(false);
    List<int[]> unseen = combos(true);
    List<ObjectNode> corpus = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      Plan p = plan(r, name, TRAIN_NAMES, seen.get(r.nextInt(seen.size())));
      // half the stories come with a title line naming who and what (as web text has
      // headlines): the base learns to take the story's facts from text before it
      String s = (i % 2 == 0 ? "A story about " + name + " who has a " + p.colour() + " "
          + p.object() + ".\n" : "") + p.text();
      corpus.add(textRow(s));
      texts.add(s);
    }
    List<ObjectNode> sft = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      Plan p = plan(r, name, TRAIN_NAMES, seen.get(r.nextInt(seen.size())));
      sft.add(chat(prompt(p.name(), p.colour(), p.object()), p.text()));
    }
    List<ObjectNode> prefs = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      Plan p = plan(r, name, TRAIN_NAMES, seen.get(r.nextInt(seen.size())));
      Plan good = p.withEnding(true, r.nextInt(KIND_ENDINGS.length));
      Plan bad;
      if (r.nextInt(3) != 0) { // follows it, ends unkindly
        bad = p.withEnding(false, r.nextInt(UNKIND_ENDINGS.length));
      } else { // a kind story about someone (or something) else
        String other = TRAIN_NAMES.get((TRAIN_NAMES.indexOf(name) + 1 + r.nextInt(
            TRAIN_NAMES.size() - 1)) % TRAIN_NAMES.size());
        int[] co = seen.get(r.nextInt(seen.size()));
        bad = good.about(other, COLOURS.get(co[0]), OBJECTS.get(co[1]));
      }
      String prompt = prompt(name, p.colour(), p.object());
      ObjectNode o = JSON.createObjectNode();
      o.set("chosen", chat(prompt, good.text()).get("messages"));
      o.set("rejected", chat(prompt, bad.text()).get("messages"));
      prefs.add(o);
    }
    List<ObjectNode> rlTrain = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      int[] co = seen.get(r.nextInt(seen.size()));
      rlTrain.add(placeRow(name, co, PLACES.get(r.nextInt(PLACES.size()))));
    }
    List<ObjectNode> rlHeld = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      String name = HELDOUT_NAMES.get(r.nextInt(HELDOUT_NAMES.size()));
      rlHeld.add(placeRow(name, unseen.get(r.nextInt(unseen.size())),
          PLACES.get(r.nextInt(PLACES.size()))));
    }
    // evaluation: fresh stories and prompts (dev: seen names and pairs; unseen: held-out)
    List<ObjectNode> pplDev = new ArrayList<>();
    List<ObjectNode> pplUnseen = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pplDev.add(textRow(story(r, TRAIN_NAMES, seen)));
      pplUnseen.add(textRow(story(r, HELDOUT_NAMES, unseen)));
    }
    List<List<ObjectNode>> dev = evalPrompts(r, TRAIN_NAMES, seen, EVAL_PROMPTS);
    List<List<ObjectNode>> uns = evalPrompts(r, HELDOUT_NAMES, unseen, EVAL_PROMPTS);
    Files.createDirectories(dir.resolve("eval"));
    writeJsonl(dir.resolve("pretrain.jsonl"), corpus);
    writeJsonl(dir.resolve("sft.jsonl"), sft);
    writeJsonl(dir.resolve("prefs.jsonl"), prefs);
    writeJsonl(dir.resolve("rlvr-train.jsonl"), rlTrain);
    writeJsonl(dir.resolve("rlvr-heldout.jsonl"), rlHeld);
    writeJsonl(dir.resolve("eval/stories-dev.jsonl"), pplDev);
    writeJsonl(dir.resolve("eval/stories-unseen.jsonl"), pplUnseen);
    String[] tasks = {"follow", "kind", "place"};
    for (int t = 0; t < tasks.length; t++) {
      writeJsonl(dir.resolve("eval/" + tasks[t] + "-dev.jsonl"), dev.get(t));
      writeJsonl(dir.resolve("eval/" + tasks[t] + "-unseen.jsonl"), uns.get(t));
    }
    Files.writeString(dir.resolve("eval/suite.yaml"), SUITE, StandardCharsets.UTF_8);
    List<String> tokText = new ArrayList<>(texts);
    sft.forEach(o -> o.get("messages").forEach(m -> tokText.add(m.get("content").asText())));
    int vocab = StarterTokenizer.write(dir.resolve("tokenizer.bin"), tokText, 512);
    return new Starter(dir, corpus.size(), sft.size(), prefs.size(), rlTrain.size(),
        rlHeld.size(), pplDev.size() + 3 * EVAL_PROMPTS, pplUnseen.size() + 3 * EVAL_PROMPTS,
        vocab);
  }

  /** Prompts per eval task and split. */
  static final int EVAL_PROMPTS = 32;

  private static ObjectNode placeRow(String name, int[] co, String place) {
    String colour = COLOURS.get(co[0]);
    String object = OBJECTS.get(co[1]);
    return verified(chat(placePrompt(name, colour, object, place), null),
        "[" + keywords(name, colour, object) + "," + keywords(place) + "]");
  }

  private static final String SUITE = """
      # The starter world's suite (written by temper samples generate).
      # dev: seen names and colour-object pairs in new draws; unseen: held-out names and pairs.
      # Each post-training stage targets one task: SFT follow, DPO kind, RLVR place.
      name: story-world
      description: Perplexity of fresh stories; following the instruction (SFT), kind endings
        (DPO), the place constraint (RLVR)
      tasks:
        - name: stories-ppl
          type: perplexity
          data: stories-dev.jsonl
          split: development
        - name: follow
          type: generate
          data: follow-dev.jsonl
          split: development
          scorer: ifeval
          format: chat
          max_new_tokens: 40
        - name: kind
          type: generate
          data: kind-dev.jsonl
          split: development
          scorer: ifeval
          format: chat
          max_new_tokens: 112
        - name: place
          type: generate
          data: place-dev.jsonl
          split: development
          scorer: ifeval
          format: chat
          max_new_tokens: 40
        - name: stories-ppl-unseen
          type: perplexity
          data: stories-unseen.jsonl
          split: unseen
        - name: follow-unseen
          type: generate
          data: follow-unseen.jsonl
          split: unseen
          scorer: ifeval
          format: chat
          max_new_tokens: 40
        - name: kind-unseen
          type: generate
          data: kind-unseen.jsonl
          split: unseen
          scorer: ifeval
          format: chat
          max_new_tokens: 112
        - name: place-unseen
          type: generate
          data: place-unseen.jsonl
          split: unseen
          scorer: ifeval
          format: chat
          max_new_tokens: 40
      """;

  private static void writeJsonl(Path file, List<ObjectNode> rows) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : rows) {
      sb.append(JSON.writeValueAsString(o)).append('\n');
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }
}
