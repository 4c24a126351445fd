package ai.temper.views.datasets;

import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter.OnError;
import java.nio.file.Path;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The import dialog's state: what to import (file, name, format, on-error) and how it goes
 * (running, progress, message, the malformed rows reported). Lives on the FX thread.
 */
public final class ImportModel {
  private final StringProperty file = new SimpleStringProperty("");
  private final StringProperty name = new SimpleStringProperty("");
  private final ObjectProperty<DataFormat> format = new SimpleObjectProperty<>(DataFormat.AUTO);
  private final ObjectProperty<OnError> onError = new SimpleObjectProperty<>(OnError.SKIP);
  private final BooleanProperty running = new SimpleBooleanProperty();
  private final BooleanProperty succeeded = new SimpleBooleanProperty();
  private final DoubleProperty progress = new SimpleDoubleProperty(0);
  private final StringProperty message = new SimpleStringProperty("");
  private final ObservableList<String> errors = FXCollections.observableArrayList();
  private final BooleanBinding canStart;
  /** True while the name is the one suggested from the file (not typed by the user). */
  private boolean nameSuggested = true;
  private boolean suggesting;

  ImportModel() {
    canStart = Bindings.createBooleanBinding(() -> !running.get()
        && !file.get().isBlank() && !name.get().isBlank(), running, file, name);
    // the name follows the file (typed or chosen) until the user types a name of their own
    file.addListener((obs, old, now) -> {
      if (nameSuggested || name.get().isBlank()) {
        suggesting = true;
        name.set(suggestName(now));
        suggesting = false;
        nameSuggested = true;
      }
    });
    name.addListener((obs, old, now) -> {
      if (!suggesting) {
        nameSuggested = now == null || now.isBlank();
      }
    });
    // a message about the last attempt no longer applies once the form changes
    file.addListener((obs, old, now) -> clearOutcome());
    name.addListener((obs, old, now) -> clearOutcome());
    format.addListener((obs, old, now) -> clearOutcome());
  }

  private void clearOutcome() {
    if (!running.get() && !message.get().isEmpty()) {
      reset();
    }
  }

  /**
   * The file name without its extensions: "train.jsonl.gz" gives "train"; "" for anything
   * that names no file yet ("/", "C:\\", a path ending in a separator).
   */
  static String suggestName(String file) {
    if (file == null || file.isBlank()) {
      return "";
    }
    Path p;
    try {
      p = Path.of(file.strip()).getFileName();
    } catch (java.nio.file.InvalidPathException e) {
      return "";
    }
    if (p == null || file.endsWith("/") || file.endsWith(java.io.File.separator)) {
      return "";
    }
    String n = p.toString();
    n = n.replaceAll("(\\.gz)$", "").replaceAll("\\.(jsonl|json|txt|parquet|text|md)$", "");
    return n;
  }

  /** Empties the form for a new import (not while one runs): no values from last time. */
  public void clearForm() {
    if (running.get()) {
      return;
    }
    file.set("");
    name.set("");
    nameSuggested = true;
    format.set(DataFormat.AUTO);
    onError.set(OnError.SKIP);
    reset();
  }

  public StringProperty fileProperty() {
    return file;
  }

  public StringProperty nameProperty() {
    return name;
  }

  public ObjectProperty<DataFormat> formatProperty() {
    return format;
  }

  public ObjectProperty<OnError> onErrorProperty() {
    return onError;
  }

  public BooleanProperty runningProperty() {
    return running;
  }

  /** True once an import finished with a dataset. */
  public BooleanProperty succeededProperty() {
    return succeeded;
  }

  public DoubleProperty progressProperty() {
    return progress;
  }

  public StringProperty messageProperty() {
    return message;
  }

  /** The malformed rows of the last import, "line N: reason". */
  public ObservableList<String> errors() {
    return errors;
  }

  public BooleanBinding canStartBinding() {
    return canStart;
  }

  /** Clears the outcome of a previous import (not the fields). */
  void reset() {
    succeeded.set(false);
    progress.set(0);
    message.set("");
    errors.clear();
  }
}
