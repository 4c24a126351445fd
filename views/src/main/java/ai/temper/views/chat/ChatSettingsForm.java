package ai.temper.views.chat;

import ai.temper.engine.TemperException;
import ai.temper.engine.chat.ChatSettings;
import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/** The sampling settings as the page's controls hold them, checked into {@link ChatSettings}. */
final class ChatSettingsForm {
  final DoubleProperty temperature = new SimpleDoubleProperty();
  final DoubleProperty topP = new SimpleDoubleProperty();
  final IntegerProperty topK = new SimpleIntegerProperty();
  final IntegerProperty maxNewTokens = new SimpleIntegerProperty();
  /** Blank: a fresh seed for every reply. */
  final StringProperty seed = new SimpleStringProperty("");
  final BooleanProperty ignoreEos = new SimpleBooleanProperty();

  ChatSettingsForm() {
    apply(ChatSettings.defaults());
  }

  /** The settings as entered, checked. */
  ChatSettings settings() {
    String s = seed.get() == null ? "" : seed.get().strip();
    Long parsed;
    try {
      parsed = s.isEmpty() ? null : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new TemperException("the seed must be a whole number or blank, not '" + s + "'");
    }
    return new ChatSettings(temperature.get(), topP.get(), topK.get(), maxNewTokens.get(),
        parsed, List.of(), ignoreEos.get());
  }

  /** Shows {@code s} in the controls. */
  void apply(ChatSettings s) {
    temperature.set(s.temperature());
    topP.set(s.topP());
    topK.set(s.topK());
    maxNewTokens.set(s.maxNewTokens());
    seed.set(s.seed() == null ? "" : s.seed().toString());
    ignoreEos.set(s.ignoreEos());
  }
}
