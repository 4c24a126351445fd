package ai.temper.app.cli;

import ai.temper.engine.FileTrees;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.chat.ModelCache;
import ai.temper.views.chat.ChatItem;
import ai.temper.views.chat.ChatViewModel;
import ai.temper.views.common.FrameClock;
import ai.temper.views.common.TaskExecutor;
import ai.temper.views.common.UiExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code temper bench chat}: how free the UI thread stays while a reply streams through the
 * Chat page's view-model. A plain thread plays the FX thread (no window: what is measured is
 * the page's own work, not rendering), frames come at 60 Hz, and a pinger posts to it every
 * 5 ms and records how long each post waited. The same pings with nothing generating are the
 * reference, measured in the same run.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "UI-thread responsiveness while a chat reply streams: waits of 5 ms pings "
        + "posted to the UI thread, idle and while generating (medians and maxima).")
public final class BenchChatCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "PATH",
      defaultValue = "../shared/models/stories260K/stories260K.bin",
      description = "Model to chat with (default ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--tokens", defaultValue = "400",
      description = "Tokens in the reply (default ${DEFAULT-VALUE}).")
  int tokens;

  @Option(names = "--idle-seconds", defaultValue = "2",
      description = "Length of the idle reference (default ${DEFAULT-VALUE}).")
  double idleSeconds;

  @Mixin ThreadsOption threads;

  private final ExecutorService ui = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "bench-ui");
    t.setDaemon(true);
    return t;
  });
  private volatile Thread uiThread;
  private final ConcurrentLinkedQueue<Long> busy = new ConcurrentLinkedQueue<>();

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(model)) {
      System.err.println("temper: no model at " + model);
      return 1;
    }
    int n = threads.apply();
    uiThread = onUi(Thread::currentThread);
    UiExecutor uiExecutor = r -> {
      if (Thread.currentThread() == uiThread) {
        r.run();
      } else {
        ui.execute(() -> timed(r));
      }
    };
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-frames");
      t.setDaemon(true);
      return t;
    });
    Path home = Files.createTempDirectory("temper-bench-chat");
    try (Workbench wb = Workbench.open(home)) {
      ChatViewModel vm = onUi(() -> new ChatViewModel(wb,
          ChatEngine.leavingACore(new ModelCache(1)), new TaskExecutor(wb.jobs(), uiExecutor),
          frames(ticker, uiExecutor)));
      onUi(() -> {
        vm.openModel(model, 0);
        vm.apply(ChatSettings.greedy(tokens).withIgnoreEos(true));
        return null;
      });
      waitFor(() -> onUi(() -> vm.statusProperty().get().endsWith("loaded")
          || !vm.errorProperty().get().isEmpty()));
      if (!onUi(() -> vm.errorProperty().get()).isEmpty()) {
        System.err.println("temper: " + onUi(() -> vm.errorProperty().get()));
        return 1;
      }
      double[] idle = measure(uiExecutor, () -> sleep(idleSeconds));
      busy.clear();
      long t0 = System.nanoTime();
      double[] reply = measure(uiExecutor, () -> {
        onUi(() -> {
          vm.inputProperty().set("Once upon a time");
          vm.send();
          return null;
        });
        waitFor(() -> onUi(() -> !vm.generatingProperty().get() && !vm.busyProperty().get()));
      });
      double seconds = (System.nanoTime() - t0) / 1e9;
      long busiest = busy.stream().mapToLong(Long::longValue).max().orElse(0);
      String info = onUi(() -> {
        List<ChatItem> items = vm.leftItems();
        return items.isEmpty() ? "" : items.get(items.size() - 1).infoProperty().get();
      });
      onUi(() -> {
        vm.close();
        return null;
      });
      Table t = new Table("PHASE", "SECONDS", "PINGS", "WAIT MEDIAN MS", "WAIT MAX MS",
          "RATIO (MEDIAN)", "REPLY");
      t.add("idle", fmt(idleSeconds), (long) idle[2], fmt(idle[0]), fmt(idle[1]), "1.00", "");
      t.add("streaming", fmt(seconds), (long) reply[2], fmt(reply[0]), fmt(reply[1]),
          fmt(idle[0] > 0 ? reply[0] / idle[0] : Double.NaN), info);
      t.print(System.out);
      System.out.printf(Locale.ROOT, "longest UI-thread task while streaming: %.2f ms; "
          + "threads %d; %s%n", busiest / 1e6, n, model.getFileName());
      return 0;
    } finally {
      ticker.shutdownNow();
      ui.shutdownNow();
      FileTrees.deleteQuietly(home);
    }
  }

  private void timed(Runnable r) {
    long t0 = System.nanoTime();
    try {
      r.run();
    } finally {
      busy.add(System.nanoTime() - t0);
    }
  }

  /** 60 Hz frames, delivered on the UI thread. */
  private static FrameClock frames(ScheduledExecutorService ticker, UiExecutor ui) {
    return new FrameClock() {
      private ScheduledFuture<?> running;

      @Override
      public void start(LongConsumer onFrame) {
        if (running == null) {
          running = ticker.scheduleAtFixedRate(() -> ui.execute(
              () -> onFrame.accept(System.nanoTime())), 0, 16_667, TimeUnit.MICROSECONDS);
        }
      }

      @Override
      public void stop() {
        if (running != null) {
          running.cancel(false);
          running = null;
        }
      }
    };
  }

  /** Pings the UI thread every 5 ms while {@code during} runs: median wait, max wait, count. */
  private double[] measure(UiExecutor uiExecutor, Step during) throws Exception {
    ConcurrentLinkedQueue<Long> waits = new ConcurrentLinkedQueue<>();
    AtomicBoolean on = new AtomicBoolean(true);
    Thread pinger = new Thread(() -> {
      while (on.get()) {
        long posted = System.nanoTime();
        uiExecutor.execute(() -> waits.add(System.nanoTime() - posted));
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-pinger");
    pinger.start();
    try {
      during.run();
    } finally {
      on.set(false);
      pinger.join();
    }
    List<Long> sorted = new ArrayList<>(waits);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return new double[] {0, 0, 0};
    }
    return new double[] {sorted.get(sorted.size() / 2) / 1e6,
        sorted.get(sorted.size() - 1) / 1e6, sorted.size()};
  }

  private <T> T onUi(Supplier<T> work) throws Exception {
    return ui.submit(work::get).get(60, TimeUnit.SECONDS);
  }

  private static void waitFor(Check condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the reply did not end within 10 minutes");
      }
      Thread.sleep(20);
    }
  }

  private static void sleep(double seconds) throws InterruptedException {
    Thread.sleep((long) (seconds * 1000));
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private interface Step {
    void run() throws Exception;
  }

  private interface Check {
    boolean holds() throws Exception;
  }
}
