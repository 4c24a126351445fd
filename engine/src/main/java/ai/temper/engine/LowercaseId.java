package ai.temper.engine;

import java.util.Locale;

/**
 * An enum stored in the database and shown to users by its lowercase name ("base",
 * "llama2c", "preference", "tie").
 */
public interface LowercaseId {
  String name();

  /** The name kept in the database and shown to users. */
  default String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The constant of {@code type} named {@code id} (any case), or an error naming {@code what}. */
  static <E extends Enum<E> & LowercaseId> E parse(Class<E> type, String id, String what) {
    for (E e : type.getEnumConstants()) {
      if (e.id().equalsIgnoreCase(id)) {
        return e;
      }
    }
    throw new TemperException("Unknown " + what + " '" + id + "'");
  }
}
