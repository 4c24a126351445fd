package ai.temper.engine.annotate;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A multi-annotator preference set made from templates, to see what a pluralistic reward model
 * keeps that a single Bradley-Terry model averages away. Each row is a preference row naming
 * its annotator: {@code {"prompt", "chosen", "rejected", "annotator", "group"}}.
 *
 * <ul>
 *   <li>{@link Scenario#DISAGREE}: every pair is a short story (two sentences) and a long one
 *       (five to seven); the annotators of group "brief" prefer the short story, those of group
 *       "detail" the long one. Endings are happy or sad at random, on both sides, so only the
 *       length tells the groups apart. Pooled, the two groups cancel out.</li>
 *   <li>{@link Scenario#AGREE}: both stories have the same length, one ends happily and one
 *       sadly, and every annotator (group "all") prefers the happy ending.</li>
 * </ul>
 *
 * A fraction {@code noise} of labels is flipped, as real annotators slip.
 */
public final class PluralSamples {
  /** Which preferences the annotators hold. */
  public enum Scenario {
    DISAGREE, AGREE;

    public static Scenario of(String s) {
      for (Scenario v : values()) {
        if (v.name().equalsIgnoreCase(s)) {
          return v;
        }
      }
      throw new TemperException("unknown scenario '" + s + "' (disagree or agree)");
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final String[] NAMES = {"Lily", "Ben", "Tim", "Sue", "Max", "Mia", "Tom",
      "Anna", "Leo", "Zoe"};
  private static final String[] ANIMALS = {"cat", "dog", "bird", "fish", "frog", "bunny"};
  private static final String[] PLACES = {"park", "garden", "house", "forest", "beach", "farm"};
  private static final String[] MIDDLES = {"They played with a red ball.",
      "The sun was warm and bright.", "{name} gave the {animal} some water.",
      "They walked along a little path.", "A soft wind moved the leaves.",
      "{name} sang a quiet song.", "The {animal} ran in a circle.", "They found a shiny stone.",
      "A big cloud floated over the trees.", "They counted the flowers one by one."};
  private static final String[] HAPPY = {"In the end they laughed and were very happy.",
      "{name} smiled, and they became best friends.", "They hugged and went home full of joy."};
  private static final String[] SAD = {"In the end the {animal} ran away and {name} cried.",
      "{name} was sad, because the {animal} was lost.", "It began to rain, and they went home alone."};

  private PluralSamples() {}

  /** The rows: {@code perGroup} annotators in each group, {@code pairs} pairs each. */
  public static List<ObjectNode> generate(Scenario scenario, int perGroup, int pairs,
      double noise, long seed) {
    if (perGroup < 1 || pairs < 1 || noise < 0 || noise >= 0.5) {
      throw new TemperException("need at least one annotator per group and one pair each, and "
          + "a noise below 0.5");
    }
    Random rnd = new Random(seed);
    List<ObjectNode> out = new ArrayList<>();
    List<String[]> annotators = new ArrayList<>();
    if (scenario == Scenario.DISAGREE) {
      for (int i = 1; i <= perGroup; i++) {
        annotators.add(new String[] {"brief-" + i, "brief"});
      }
      for (int i = 1; i <= perGroup; i++) {
        annotators.add(new String[] {"detail-" + i, "detail"});
      }
    } else {
      for (int i = 1; i <= 2 * perGroup; i++) {
        annotators.add(new String[] {"reader-" + i, "all"});
      }
    }
    for (String[] a : annotators) {
      for (int k = 0; k < pairs; k++) {
        String name = pick(rnd, NAMES);
        String animal = pick(rnd, ANIMALS);
        String place = pick(rnd, PLACES);
        String prompt = "Tell me a story about " + name + " and the " + animal + " at the "
            + place + ".";
        String preferred;
        String other;
        if (scenario == Scenario.DISAGREE) {
          String shortStory = story(rnd, name, animal, place, 0, rnd.nextBoolean());
          String longStory = story(rnd, name, animal, place, 3 + rnd.nextInt(3),
              rnd.nextBoolean());
          boolean brief = a[1].equals("brief");
          preferred = brief ? shortStory : longStory;
          other = brief ? longStory : shortStory;
        } else {
          int middles = 1 + rnd.nextInt(3);
          preferred = story(rnd, name, animal, place, middles, true);
          other = story(rnd, name, animal, place, middles, false);
        }
        if (rnd.nextDouble() < noise) {
          String t = preferred;
          preferred = other;
          other = t;
        }
        ObjectNode row = Annotations.JSON.createObjectNode();
        row.put("prompt", prompt);
        row.put("chosen", preferred);
        row.put("rejected", other);
        row.put("annotator", a[0]);
        row.put("group", a[1]);
        out.add(row);
      }
    }
    return out;
  }

  private static String story(Random rnd, String name, String animal, String place,
      int middles, boolean happy) {
    StringBuilder sb = new StringBuilder();
    sb.append(name).append(" saw a ").append(animal).append(" at the ").append(place)
        .append('.');
    List<String> pool = new ArrayList<>(List.of(MIDDLES));
    java.util.Collections.shuffle(pool, rnd);
    for (int i = 0; i < middles; i++) {
      sb.append(' ').append(fill(pool.get(i), name, animal));
    }
    sb.append(' ').append(fill(pick(rnd, happy ? HAPPY : SAD), name, animal));
    return sb.toString();
  }

  private static String fill(String template, String name, String animal) {
    return template.replace("{name}", name).replace("{animal}", animal);
  }

  private static String pick(Random rnd, String[] xs) {
    return xs[rnd.nextInt(xs.length)];
  }
}
