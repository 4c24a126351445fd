package ai.temper.engine.data;

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
  private static final ObjectMapper JSON = new ObjectMapper();
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

  private static void writeJsonl(Path file, List<ObjectNode> rows) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : rows) {
      sb.append(JSON.writeValueAsString(o)).append('\n');
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }
}
