package ai.temper.app.cli;

import ai.temper.engine.data.StoryWorld;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code temper samples story-world --out DIR}: writes the sample RLVR task's files. */
@Command(name = "samples", mixinStandardHelpOptions = true,
    description = "Generate sample data sets.",
    subcommands = {SamplesCommand.Generate.class, SamplesCommand.StoryWorldCommand.class,
        SamplesAnnotatorsCommand.class})
public final class SamplesCommand {
  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "The starter story world: a pretraining corpus, its tokenizer, chat SFT "
          + "examples, preference pairs, RLVR prompts and an eval suite (dev and unseen).")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
        description = "Seed (default ${DEFAULT-VALUE}); the same seed writes the same files.")
    long seed;

    @Override
    public Integer call() throws Exception {
      StoryWorld.Starter s = StoryWorld.writeStarter(out, seed);
      try (var files = java.nio.file.Files.walk(out)) {
        files.filter(java.nio.file.Files::isRegularFile).sorted()
            .forEach(System.out::println);
      }
      System.err.println(s.summary());
      return 0;
    }
  }

  @Command(name = "story-world", mixinStandardHelpOptions = true,
      description = "The RLVR story task: 'Write a story about NAME who has a COLOUR OBJECT.', "
          + "verified by verify_keywords; held-out names and colour-object pairs.")
  static final class StoryWorldCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Folder for rlvr-train.jsonl, rlvr-heldout.jsonl and sft.jsonl.")
    Path out;

    @Option(names = "--train", paramLabel = "N", defaultValue = "200",
        description = "Training prompts (default ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--heldout", paramLabel = "N", defaultValue = "24",
        description = "Held-out prompts (default ${DEFAULT-VALUE}).")
    int heldout;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
        description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
      StoryWorld.Sets s = StoryWorld.write(out, seed, train, heldout);
      for (String f : new String[] {"rlvr-train.jsonl", "rlvr-heldout.jsonl", "sft.jsonl"}) {
        System.out.println(out.resolve(f));
      }
      System.err.printf("%d training prompts, %d held out, %d SFT stories%n", s.train().size(),
          s.heldout().size(), s.sft().size());
      return 0;
    }
  }
}
