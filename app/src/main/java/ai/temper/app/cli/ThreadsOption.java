package ai.temper.app.cli;

import ai.temper.engine.TorchRuntime;
import picocli.CommandLine.Option;

/** {@code --threads N} for commands that run the model (mix in with {@code @Mixin}). */
public final class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N",
      description = "libtorch intra-op threads (default: $TEMPER_THREADS, else every core).")
  Integer threads;

  /** Starts the engine with the chosen thread count; returns it. */
  public int apply() {
    return TorchRuntime.configure(threads);
  }
}
