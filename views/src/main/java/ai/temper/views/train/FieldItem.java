package ai.temper.views.train;

import ai.temper.engine.train.ConfigField;
import ai.temper.engine.train.ConfigField.BadValue;
import java.util.Optional;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableValue;
import org.controlsfx.control.PropertySheet;

/**
 * One config field as a property-sheet row: its group, name, one-line explanation and value.
 * Numbers and flags edit as themselves; nullable fields, lists and dataset mixes as text (the
 * same text {@code --set} takes). A value that does not parse is refused and reported.
 */
public final class FieldItem implements PropertySheet.Item {
  private final ConfigField field;
  private final ObjectProperty<Object> value = new SimpleObjectProperty<>();
  private final java.util.function.Consumer<String> onError;

  FieldItem(ConfigField field, Object initial, java.util.function.Consumer<String> onError) {
    this.field = field;
    this.onError = onError;
    value.set(shown(initial));
  }

  public ConfigField field() {
    return field;
  }

  /** Numbers and flags as themselves; everything else as its text. */
  private boolean native_() {
    return !field.nullable() && switch (field.type()) {
      case INT, DOUBLE, BOOL -> true;
      default -> false;
    };
  }

  private Object shown(Object typed) {
    return native_() ? typed : field.format(typed);
  }

  /** The value typed for the config (null for an empty nullable field). */
  public Object typedValue() throws BadValue {
    Object v = value.get();
    if (!native_()) {
      return field.fromString(v == null ? "" : v.toString());
    }
    // editors hand back whatever Number they parsed: give the config its own type
    if (v instanceof Number n) {
      return switch (field.type()) {
        case INT -> {
          if (n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new BadValue("expected an integer, got " + n);
          }
          yield n.intValue();
        }
        case DOUBLE -> n.doubleValue();
        default -> v;
      };
    }
    return v == null ? field.fromString("") : v;
  }

  @Override
  public Class<?> getType() {
    if (!native_()) {
      return String.class;
    }
    return switch (field.type()) {
      case INT -> Integer.class;
      case DOUBLE -> Double.class;
      case BOOL -> Boolean.class;
      default -> String.class;
    };
  }

  @Override
  public String getCategory() {
    return field.group();
  }

  @Override
  public String getName() {
    return field.name();
  }

  @Override
  public String getDescription() {
    return field.doc();
  }

  @Override
  public Object getValue() {
    return value.get();
  }

  @Override
  public void setValue(Object v) {
    if (v != null && !native_()) {
      try {
        field.fromString(v.toString());
      } catch (BadValue e) {
        onError.accept(field.name() + ": " + e.getMessage());
      }
    }
    value.set(v);
  }

  /** Sets the value from typed config data. */
  void setTyped(Object typed) {
    value.set(shown(typed));
  }

  @Override
  public Optional<ObservableValue<? extends Object>> getObservableValue() {
    return Optional.of(value);
  }
}
