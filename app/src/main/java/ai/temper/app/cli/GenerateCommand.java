package ai.temper.app.cli;

import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code temper generate}: prints the decoded sequence (prompt included, BOS not shown) and one
 * newline per row, and nothing else on stdout. Needs no workbench.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate text from a model file (llama2.c .bin with its tokenizer, or a "
        + "Hugging Face directory).")
public final class GenerateCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "",
      description = "Prompt text (default: empty, BOS only).")
  String prompt;

  @ArgGroup(exclusive = true)
  Length length = new Length();

  static final class Length {
    @Option(names = "--max-new-tokens", paramLabel = "N",
        description = "Tokens to generate at most (default 256).")
    Integer maxNewTokens;

    @Option(names = "--max-length", paramLabel = "N",
        description = "Positions to run at most, counting BOS and the prompt; the token chosen "
            + "at the last one is printed too (as llama2.c's steps).")
    Integer maxLength;
  }

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
      description = "Sampling temperature; 0 is greedy (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
      description = "Sample among the K most likely tokens (0: off).")
  int topK;

  @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
      description = "Nucleus sampling: the most likely tokens up to probability P (1: off).")
  double topP;

  @Option(names = "--seed", paramLabel = "S",
      description = "Seed for reproducible sampling (row i of a batch uses S + i).")
  Long seed;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
      description = "Generate B sequences from the prompt at once; prints B lines.")
  int batch;

  @Option(names = "--stop", paramLabel = "TEXT",
      description = "Stop a sequence when this text appears (repeatable); it is not printed.")
  List<String> stop = new ArrayList<>();

  @Option(names = "--no-kv-cache", description = "Recompute the whole sequence every step.")
  boolean noKvCache;

  @Mixin ThreadsOption threads;

  @Override
  public Integer call() throws Exception {
    if (batch <= 0) {
      throw new IllegalArgumentException("--batch must be positive");
    }
    SamplingParams params = SamplingParams.defaults().withTemperature(temperature)
        .withTopK(topK).withTopP(topP).withSeed(seed).withStopStrings(stop);
    if (length.maxLength != null) {
      params = params.withMaxLength(length.maxLength);
    } else if (length.maxNewTokens != null) {
      params = params.withMaxNewTokens(length.maxNewTokens);
    }
    threads.apply();
    PrintStream out = System.out;
    try (LoadedModel m = model.load()) {
      Generator generator = new Generator(m.model(), m.tokenizer()).kvCache(!noKvCache);
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        prompts.add(prompt);
      }
      if (batch == 1) {
        // stream: the prompt as the decoder sees it, then each piece as it comes
        Tokenizer.StreamDecoder d = m.tokenizer().newStreamDecoder();
        StringBuilder head = new StringBuilder();
        for (int id : m.tokenizer().encode(prompt, true)) {
          head.append(d.push(id));
        }
        write(out, head.toString());
        generator.generate(prompts, params, (row, id, piece) -> {
          write(out, piece);
          return true;
        });
        write(out, "\n");
      } else {
        for (Generation g : generator.generate(prompts, params, (row, id, piece) -> true)) {
          write(out, g.text() + "\n");
        }
      }
    }
    return 0;
  }

  private static void write(PrintStream out, String s) {
    if (!s.isEmpty()) {
      out.write(s.getBytes(StandardCharsets.UTF_8), 0, s.getBytes(StandardCharsets.UTF_8).length);
      out.flush();
    }
  }
}
