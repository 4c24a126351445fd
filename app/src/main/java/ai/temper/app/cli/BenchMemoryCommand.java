package ai.temper.app.cli;

import ai.temper.engine.models.Sizes;
import ai.temper.engine.train.MemoryBenchmark;
import ai.temper.engine.train.MemoryBenchmark.ModelShape;
import ai.temper.engine.train.MemoryBenchmark.Use;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code temper bench memory}: peak resident memory (VmHWM) of generating and LoRA training on
 * random-weight folders of real model shapes, each case in a fresh JVM with the JVM's default
 * settings, against the targets the README states.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
    description = "Peak resident memory of chat decoding and LoRA training (batch 4 x 512) on "
        + "random BF16 folders shaped like Qwen2.5-0.5B and Llama-3.2-1B, one fresh JVM per "
        + "case, against the targets.")
public final class BenchMemoryCommand implements Callable<Integer> {
  @Option(names = "--models", split = ",", paramLabel = "M,..",
      defaultValue = "qwen2.5-0.5b,llama3.2-1b",
      description = "Model shapes: qwen2.5-0.5b, llama3.2-1b (default ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--uses", split = ",", paramLabel = "U,..",
      defaultValue = "generate,lora-checkpointed",
      description = "Cases: generate, lora, lora-checkpointed (default ${DEFAULT-VALUE}).")
  List<String> uses;

  @Option(names = "--cache", paramLabel = "DIR",
      description = "Where the random model folders are written once (default "
          + "~/.cache/temper/memory-bench; about 1 GB and 2.5 GB).")
  Path cache;

  @Option(names = "--prompt", defaultValue = "32", description = "Prompt tokens (default "
      + "${DEFAULT-VALUE}).")
  int prompt;

  @Option(names = "--tokens", defaultValue = "64", description = "Decoded tokens (default "
      + "${DEFAULT-VALUE}).")
  int tokens;

  @Option(names = "--steps", defaultValue = "1", description = "LoRA steps per case (default "
      + "${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--cap-gb", defaultValue = "16", paramLabel = "GB",
      description = "Kill a case whose resident memory passes this (default ${DEFAULT-VALUE}); "
          + "it is then reported as over the cap.")
  double capGb;

  @Override
  public Integer call() throws Exception {
    Path dir = cache != null ? cache
        : Path.of(System.getProperty("user.home"), ".cache", "temper", "memory-bench");
    Files.createDirectories(dir);
    String load = loadAverage();
    Table t = new Table("CASE", "PEAK RSS", "TARGET", "RESULT", "DETAIL");
    int failed = 0;
    for (String name : models) {
      ModelShape shape = shape(name);
      System.err.println("bench memory: preparing " + shape.id + " in " + dir);
      Path folder = MemoryBenchmark.folder(shape, dir);
      for (String u : uses) {
        Use use = use(u);
        long target = use == Use.GENERATE ? shape.generateTarget : shape.loraTarget;
        System.err.println("bench memory: " + shape.id + " " + u);
        Outcome o = runChild(folder, use);
        boolean pass = o.peak > 0 && o.peak <= target && o.detail.startsWith("ok");
        failed += pass ? 0 : 1;
        t.add(shape.id + " " + u, o.peak > 0 ? gb(o.peak) : "-", "<= " + gb(target),
            pass ? "pass" : "FAIL", o.detail);
      }
    }
    System.out.printf(Locale.ROOT, "# %d cores, %s memory, load average %s before, %s after; "
        + "each case a fresh JVM with default flags (java %s); generate: %d-token prompt + %d "
        + "greedy tokens; LoRA: rank 8, batch %d x %d, %d step(s)%n",
        Runtime.getRuntime().availableProcessors(), memTotal(), load, loadAverage(),
        System.getProperty("java.version"), prompt, tokens, MemoryBenchmark.BATCH,
        MemoryBenchmark.SEQUENCE, steps);
    t.print(System.out);
    return failed == 0 ? 0 : 1;
  }

  private record Outcome(long peak, String detail) {}

  private Outcome runChild(Path folder, Use use) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "-cp",
        System.getProperty("java.class.path"), MemoryBenchmark.class.getName(),
        folder.toString(), use.name(), "" + prompt, "" + tokens, "" + steps));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    long cap = (long) (capGb * 1e9);
    long seen = 0;
    Path status = Path.of("/proc/" + p.pid() + "/status");
    boolean killed = false;
    while (p.isAlive()) {
      long rss = readKb(status, "VmHWM:") * 1024;
      seen = Math.max(seen, rss);
      if (rss > cap) {
        p.destroyForcibly();
        killed = true;
        break;
      }
      Thread.sleep(100);
    }
    p.waitFor();
    if (killed) {
      return new Outcome(seen, "killed above the " + capGb + " GB cap");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    for (String line : out.split("\n")) {
      if (line.startsWith("peak_rss_bytes ")) {
        String[] parts = line.substring("peak_rss_bytes ".length()).split(" \\| ", 2);
        return new Outcome(Long.parseLong(parts[0].trim()), "ok: " + parts[1]);
      }
    }
    return new Outcome(seen, "failed (exit " + p.exitValue() + ", see stderr)");
  }

  private static long readKb(Path status, String key) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  private static ModelShape shape(String name) {
    for (ModelShape s : ModelShape.values()) {
      if (s.id.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("--models: unknown shape '" + name
        + "' (qwen2.5-0.5b, llama3.2-1b)");
  }

  private static Use use(String name) {
    return switch (name) {
      case "generate" -> Use.GENERATE;
      case "lora" -> Use.LORA;
      case "lora-checkpointed" -> Use.LORA_CHECKPOINTED;
      default -> throw new IllegalArgumentException("--uses: unknown case '" + name
          + "' (generate, lora, lora-checkpointed)");
    };
  }

  private static String gb(long bytes) {
    return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
  }

  private static String memTotal() {
    long kb = readKb(Path.of("/proc/meminfo"), "MemTotal:");
    return kb > 0 ? Sizes.bytes(kb * 1024) : "n/a";
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
