package ai.temper.engine.models;

import ai.temper.engine.store.ModelRepository.ModelRow;
import java.nio.file.Path;

/**
 * Where to load a model from: what {@code ModelLoader.load(model, tokenizer)} takes.
 *
 * @param model     an HF folder or a llama2.c file
 * @param tokenizer the separate tokenizer file of a llama2.c model; null for HF folders
 * @param entry     the library entry, or null when the model was given as a bare path
 */
public record ModelLocation(Path model, Path tokenizer, ModelRow entry) {}
