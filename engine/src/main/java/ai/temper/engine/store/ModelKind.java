package ai.temper.engine.store;

import java.util.Locale;

/** What a library model is; stored lowercase in the models table ("base", "adapter"). */
public enum ModelKind {
  /** Imported, pulled or created: a model of its own. */
  BASE,
  /** A step the workbench trained, with its run and base. */
  CHECKPOINT,
  /** A LoRA adapter, applied on its base. */
  ADAPTER;

  /** The name kept in the database and shown to users. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ModelKind of(String id) {
    return valueOf(id.toUpperCase(Locale.ROOT));
  }

  @Override
  public String toString() {
    return id();
  }
}
