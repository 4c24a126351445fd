package ai.temper.views.models;

import ai.temper.engine.Devices;
import ai.temper.engine.TemperException;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.TaskExecutor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The engine line of the Models page: which libtorch was loaded and why, the device tensors
 * live on and its memory, and the device choice (auto, cpu, cuda, mps). A new choice applies
 * to models loaded and jobs started from then on, and is remembered for the next start.
 */
public final class EngineViewModel {
  public static final List<String> CHOICES = List.of("auto", "cpu", "cuda", "mps");

  private final TaskExecutor tasks;
  private final Consumer<String> remember;
  private final ReadOnlyStringWrapper device = new ReadOnlyStringWrapper(Devices.requested());
  private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("Engine: starting…");
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

  /** {@code remember} stores a chosen device for the next start (the home's settings). */
  public EngineViewModel(TaskExecutor tasks, Consumer<String> remember) {
    this.tasks = tasks;
    this.remember = remember;
  }

  /** Describes the engine off the FX thread (starting libtorch can take a second). */
  public CompletableFuture<String> refresh() {
    return BackgroundTask.wrap(() -> Devices.describeLibtorch() + "\n" + Devices.describeDevice())
        .onSuccess(summary::set)
        .onFailure(e -> summary.set("Engine: " + BackgroundTask.unwrap(e).getMessage()))
        .executeWith(tasks).future();
  }

  /**
   * Chooses a device: checked against the loaded libtorch before it is kept, so a machine
   * without a GPU answers "cuda" with the reason and stays on its device.
   */
  public CompletableFuture<String> choose(String spec) {
    String before = device.get();
    return BackgroundTask.wrap(() -> {
      Devices.select(spec);
      try {
        Devices.current();
      } catch (TemperException e) {
        Devices.select(before);
        throw e;
      }
      return Devices.describeLibtorch() + "\n" + Devices.describeDevice();
    }).onSuccess(text -> {
      device.set(spec);
      error.set("");
      summary.set(text);
      remember.accept(spec);
    }).onFailure(e -> {
      device.set(before);
      error.set(BackgroundTask.unwrap(e).getMessage());
    }).executeWith(tasks).future();
  }

  public ReadOnlyStringProperty deviceProperty() {
    return device.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty summaryProperty() {
    return summary.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }
}
