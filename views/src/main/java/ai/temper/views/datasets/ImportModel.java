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

  ImportModel() {
    canStart = Bindings.createBooleanBinding(() -> !running.get()
        && !file.get().isBlank() && !name.get().isBlank(), running, file, name);
    // a chosen file suggests a name until the user types one
    file.addListener((obs, old, now) -> {
      if (name.get().isBlank() || name.get().equals(suggestName(old))) {
        name.set(suggestName(now));
      }
    });
  }

  /** The file name without its extensions: "train.jsonl.gz" gives "train". */
  static String suggestName(String file) {
    if (file == null || file.isBlank()) {
      return "";
    }
    String n = Path.of(file).getFileName().toString();
    n = n.replaceAll("(\\.gz)$", "").replaceAll("\\.(jsonl|json|txt|parquet|text|md)$", "");
    return n;
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
