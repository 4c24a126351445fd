package ai.temper.engine.train;

import ai.temper.engine.train.ConfigField.BadValue;
import ai.temper.engine.train.ConfigField.Type;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The config fields of a record whose components carry {@link Setting}, in the order they are
 * declared; a component whose type is itself such a record (TrainConfig's {@code rl}) adds its
 * fields in place. Binds a map of typed values (field name to value, as {@link ConfigField}
 * parses them) to the record, and reads a record back into such a map, so the record is the
 * one place a field is declared and its accessor the one way code reads it.
 *
 * @param <R> the settings record
 */
public final class ConfigRecord<R extends Record> {
  /** One component: a field, a nested settings record, or neither (the caller supplies it). */
  private record Slot(RecordComponent component, ConfigField field, ConfigRecord<?> nested) {}

  private final Constructor<R> constructor;
  private final List<Slot> slots = new ArrayList<>();
  private final List<ConfigField> fields = new ArrayList<>();
  private final Map<TrainKind, Map<String, Object>> kindDefaults = new EnumMap<>(TrainKind.class);

  private ConfigRecord(Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    try {
      constructor = type.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(type + " has no canonical constructor", e);
    }
    for (RecordComponent c : components) {
      Setting s = c.getAnnotation(Setting.class);
      if (s != null) {
        ConfigField f = field(c, s);
        slots.add(new Slot(c, f, null));
        fields.add(f);
        for (String kv : s.byKind()) {
          int eq = kv.indexOf('=');
          kindDefaults.computeIfAbsent(TrainKind.of(kv.substring(0, eq).strip()),
              k -> new LinkedHashMap<>()).put(f.name(), parse(f, kv.substring(eq + 1)));
        }
      } else if (c.getType().isRecord() && hasSettings(c.getType())) {
        ConfigRecord<?> nested = new ConfigRecord<>(c.getType().asSubclass(Record.class));
        slots.add(new Slot(c, null, nested));
        fields.addAll(nested.fields);
        nested.kindDefaults.forEach((k, v) ->
            kindDefaults.computeIfAbsent(k, x -> new LinkedHashMap<>()).putAll(v));
      } else {
        slots.add(new Slot(c, null, null));
      }
    }
  }

  /** The fields of {@code type}; fails at once (class initialisation) on a malformed one. */
  public static <R extends Record> ConfigRecord<R> of(Class<R> type) {
    return new ConfigRecord<>(type);
  }

  /** Every field, nested records' included, in declaration order. */
  public List<ConfigField> fields() {
    return Collections.unmodifiableList(fields);
  }

  /** Field name to default value, in declaration order (a new map). */
  public Map<String, Object> defaults() {
    Map<String, Object> v = new LinkedHashMap<>();
    for (ConfigField f : fields) {
      v.put(f.name(), f.defaultValue());
    }
    return v;
  }

  /** Field name to default value for {@code kind} (its own defaults where it has them). */
  public Map<String, Object> defaults(TrainKind kind) {
    Map<String, Object> v = defaults();
    v.putAll(kindDefaults.getOrDefault(kind, Map.of()));
    return v;
  }

  /**
   * The record holding {@code values} (field name to typed value; every field present);
   * {@code others} gives the components that are no field, by component name.
   */
  public R bind(Map<String, Object> values, Function<String, Object> others) {
    Object[] args = new Object[slots.size()];
    for (int i = 0; i < args.length; i++) {
      Slot s = slots.get(i);
      args[i] = s.field() != null ? values.get(s.field().name())
          : s.nested() != null ? s.nested().bind(values, others)
          : others.apply(s.component().getName());
    }
    try {
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot bind " + values + ": " + e, e);
    }
  }

  /** Field name to value, in declaration order, nested records' fields included. */
  public Map<String, Object> values(Record record) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Slot s : slots) {
      if (s.field() == null && s.nested() == null) {
        continue;
      }
      Object v;
      try {
        v = s.component().getAccessor().invoke(record);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (s.nested() != null) {
        out.putAll(s.nested().values((Record) v));
      } else {
        out.put(s.field().name(), v);
      }
    }
    return out;
  }

  private static boolean hasSettings(Class<?> type) {
    return Arrays.stream(type.getRecordComponents())
        .anyMatch(c -> c.isAnnotationPresent(Setting.class));
  }

  private static ConfigField field(RecordComponent c, Setting s) {
    String name = s.name().isEmpty() ? snakeCase(c.getName()) : s.name();
    Class<?> t = c.getType();
    Type type;
    if (t == int.class || t == Integer.class) {
      type = Type.INT;
    } else if (t == double.class || t == Double.class) {
      type = Type.DOUBLE;
    } else if (t == boolean.class || t == Boolean.class) {
      type = Type.BOOL;
    } else if (t == String.class) {
      type = s.choices().length > 0 ? Type.CHOICE : Type.STRING;
    } else if (t == List.class && c.getGenericType() instanceof ParameterizedType p
        && p.getActualTypeArguments()[0] == String.class) {
      type = Type.STRING_LIST;
    } else if (t == DatasetMix.class) {
      type = Type.MIXER;
    } else {
      throw new IllegalStateException("config field " + name + ": unsupported type " + t);
    }
    if (t.isPrimitive() == s.nullable() && t != String.class && t != List.class
        && t != DatasetMix.class) {
      throw new IllegalStateException("config field " + name + ": a field that may be empty "
          + "needs a boxed type (Integer, Double), one that may not a primitive");
    }
    Set<TrainKind> kinds = Set.of(s.kinds());
    ConfigField untyped = new ConfigField(name, type, null, s.nullable(), List.of(s.choices()),
        kinds, s.group(), s.doc());
    return new ConfigField(name, type, parse(untyped, s.dflt()), s.nullable(),
        List.of(s.choices()), kinds, s.group(), s.doc());
  }

  private static Object parse(ConfigField f, String text) {
    try {
      return f.fromString(text);
    } catch (BadValue e) {
      throw new IllegalStateException("config field " + f.name() + ": bad default '" + text
          + "': " + e.getMessage(), e);
    }
  }

  /** {@code learningRate} becomes {@code learning_rate}; digits stay attached (adam_beta1). */
  static String snakeCase(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
