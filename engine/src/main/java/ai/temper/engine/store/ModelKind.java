package ai.temper.engine.store;

import ai.temper.engine.LowercaseId;

/** What a library model is; stored lowercase in the models table ("base", "adapter"). */
public enum ModelKind implements LowercaseId {
  /** Imported, pulled or created: a model of its own. */
  BASE,
  /** A step the workbench trained, with its run and base. */
  CHECKPOINT,
  /** A LoRA adapter, applied on its base. */
  ADAPTER;

  public static ModelKind of(String id) {
    return LowercaseId.parse(ModelKind.class, id, "model kind");
  }

  @Override
  public String toString() {
    return id();
  }
}
