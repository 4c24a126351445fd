package ai.temper.engine.models;

/** One file of a model on disk: its name relative to the model folder, and its size. */
public record ModelFile(String name, long size) {}
