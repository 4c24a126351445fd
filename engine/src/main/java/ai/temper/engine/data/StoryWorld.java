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

  /** One plain story: an opening, a plot and a kind ending, about seen names. */
  static String story(Random r, List<String> names, List<int[]> combos, boolean kind) {
    String name = names.get(r.nextInt(names.size()));
    String friend = names.get(r.nextInt(names.size()));
    if (friend.equals(name)) {
      friend = "a friend";
    }
    int[] co = combos.get(r.nextInt(combos.size()));
    String colour = COLOURS.get(co[0]);
    String object = OBJECTS.get(co[1]);
    String place = PLACES.get(r.nextInt(PLACES.size()));
    String opening = "Once upon a time, there was a little " + KINDS.get(r.nextInt(KINDS.size()))
        + " named " + name + ". " + name + " liked to play in the " + place + ". " + name
        + " had a " + colour + " " + object + ".";
    String plot = String.format(PLOTS[r.nextInt(PLOTS.length)], name, colour, object, place,
        friend);
    String[] endings = kind ? KIND_ENDINGS : UNKIND_ENDINGS;
    return opening + plot + String.format(endings[r.nextInt(endings.length)], name, friend);
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

  /**
   * Writes the starter world into {@code dir}: {@code pretrain.jsonl} (plain stories, seen
   * names and combinations only), {@code tokenizer.bin} (a BPE trained on that corpus, in the
   * llama2.c format), {@code sft.jsonl} (instruction -> story that follows it),
   * {@code prefs.jsonl} (chosen: follows the instruction with a kind ending; rejected: another
   * name/object or an unkind ending), {@code rlvr-train.jsonl} / {@code rlvr-heldout.jsonl}
   * and {@code eval/suite.yaml} with development tasks (seen names) and unseen tasks (held-out
   * names and colour-object combinations). The same seed writes the same bytes.
   */
  public static Starter writeStarter(Path dir, long seed) throws IOException {
    Random r = new Random(seed);
    List<int[]> seen = combos(false);
    List<int[]> unseen = combos(true);
    List<ObjectNode> corpus = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      String s = story(r, TRAIN_NAMES, seen, true);
      corpus.add(textRow(s));
      texts.add(s);
    }
    Sets rl = generate(seed + 1, 300, 32);
    List<ObjectNode> prefs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String name = TRAIN_NAMES.get(r.nextInt(TRAIN_NAMES.size()));
      int[] co = seen.get(r.nextInt(seen.size()));
      String colour = COLOURS.get(co[0]);
      String object = OBJECTS.get(co[1]);
      String friend = TRAIN_NAMES.get((TRAIN_NAMES.indexOf(name) + 1) % TRAIN_NAMES.size());
      String good = name + " had a " + colour + " " + object + "." + String.format(
          KIND_ENDINGS[r.nextInt(KIND_ENDINGS.length)], name, friend);
      String bad;
      if (r.nextBoolean()) { // does not follow the instruction
        String other = OBJECTS.get((co[1] + 1) % OBJECTS.size());
        bad = friend + " had a " + other + "." + String.format(
            KIND_ENDINGS[r.nextInt(KIND_ENDINGS.length)], friend, name);
      } else { // follows it, unkind ending
        bad = name + " had a " + colour + " " + object + "." + String.format(
            UNKIND_ENDINGS[r.nextInt(UNKIND_ENDINGS.length)], name, friend);
      }
      String prompt = prompt(name, colour, object);
      ObjectNode o = JSON.createObjectNode();
      ArrayNode c = o.putArray("chosen");
      c.addObject().put("role", "user").put("content", prompt);
      c.addObject().put("role", "assistant").put("content", good);
      ArrayNode b = o.putArray("rejected");
      b.addObject().put("role", "user").put("content", prompt);
      b.addObject().put("role", "assistant").put("content", bad);
      prefs.add(o);
    }
    // evaluation: fresh stories (dev: seen names/combinations; unseen: held-out ones)
    List<ObjectNode> pplDev = new ArrayList<>();
    List<ObjectNode> pplUnseen = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pplDev.add(textRow(story(r, TRAIN_NAMES, seen, true)));
      pplUnseen.add(textRow(story(r, HELDOUT_NAMES, unseen, true)));
    }
    Sets followDev = generate(seed + 2, 24, 0);
    Files.createDirectories(dir.resolve("eval"));
    writeJsonl(dir.resolve("pretrain.jsonl"), corpus);
    writeJsonl(dir.resolve("sft.jsonl"), rl.sft());
    writeJsonl(dir.resolve("prefs.jsonl"), prefs);
    writeJsonl(dir.resolve("rlvr-train.jsonl"), rl.train());
    writeJsonl(dir.resolve("rlvr-heldout.jsonl"), rl.heldout());
    writeJsonl(dir.resolve("eval/stories-dev.jsonl"), pplDev);
    writeJsonl(dir.resolve("eval/stories-unseen.jsonl"), pplUnseen);
    writeJsonl(dir.resolve("eval/follow-dev.jsonl"), followDev.train());
    writeJsonl(dir.resolve("eval/follow-unseen.jsonl"), rl.heldout());
    Files.writeString(dir.resolve("eval/suite.yaml"), """
        # The starter world's suite (written by temper samples generate).
        # dev: seen names and colour-object pairs; unseen: held-out names and pairs.
        name: story-world
        description: Perplexity on fresh stories and instruction following (verify_keywords)
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
            max_new_tokens: 48
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
            max_new_tokens: 48
        """, StandardCharsets.UTF_8);
    List<String> tokText = new ArrayList<>(texts);
    rl.sft().forEach(o -> o.get("messages").forEach(m -> tokText.add(m.get("content").asText())));
    int vocab = StarterTokenizer.write(dir.resolve("tokenizer.bin"), tokText, 512);
    return new Starter(dir, corpus.size(), rl.sft().size(), prefs.size(), rl.train().size(),
        rl.heldout().size(), pplDev.size() + followDev.train().size(),
        pplUnseen.size() + rl.heldout().size(), vocab);
  }

  private static void writeJsonl(Path file, List<ObjectNode> rows) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : rows) {
      sb.append(JSON.writeValueAsString(o)).append('\n');
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }
}
