package ai.temper.engine.models.hub;

import java.util.List;

/**
 * Small real models of the Hugging Face Hub whose family Temper runs (README, "Model
 * families"), offered where a download starts: safetensors weights, a chat template, and
 * sizes a desktop can chat with and LoRA-train on the CPU.
 */
public record SuggestedModel(String repoId, String family, String size, String note) {
  public static final List<SuggestedModel> ALL = List.of(
      new SuggestedModel("HuggingFaceTB/SmolLM2-135M-Instruct", "llama", "135M",
          "the smallest chat model; trains on a laptop CPU"),
      new SuggestedModel("HuggingFaceTB/SmolLM2-360M-Instruct", "llama", "360M",
          "better replies, still quick"),
      new SuggestedModel("Qwen/Qwen2.5-0.5B-Instruct", "qwen2", "0.5B",
          "multilingual, good at maths for its size"),
      new SuggestedModel("Qwen/Qwen3-0.6B", "qwen3", "0.6B", "thinks before it answers"),
      new SuggestedModel("allenai/OLMo-2-0425-1B-Instruct", "olmo2", "1B",
          "fully open: data, code and the Tulu recipe"),
      new SuggestedModel("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "llama", "1.1B",
          "a classic small Llama chat model"));

  /** The line a chooser shows. */
  public String label() {
    return repoId + " — " + family + ", " + size + ": " + note;
  }
}
