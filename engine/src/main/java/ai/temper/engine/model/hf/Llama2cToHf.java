package ai.temper.engine.model.hf;

import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * A llama2.c checkpoint (already in HF names and rotate-half layout, as the llama2.c reader
 * delivers it) and its tokenizer, written as a Hugging Face directory that generates the same
 * tokens as the source, in Temper and in transformers.
 */
public final class Llama2cToHf {
  private Llama2cToHf() {}

  /**
   * Writes {@code source} with the tokenizer {@code vocab} to {@code out}. The generation
   * config stops on EOS and on BOS: llama2.c's run.c ends a story when the model emits BOS
   * (the separator of its training stories), so both stop there.
   */
  public static void write(Path out, Checkpoint source, Llama2cVocab vocab, DType dtype) {
    LlamaConfig c = source.config();
    HfTokenizerFiles tok = Llama2cTokenizerConverter.convert(vocab, source.source());
    tok.tokenizerConfig().put("model_max_length", c.maxPositionEmbeddings());
    ObjectNode gen = new ObjectMapper().createObjectNode();
    gen.put("bos_token_id", Llama2cVocab.BOS);
    gen.putArray("eos_token_id").add(Llama2cVocab.EOS).add(Llama2cVocab.BOS);
    gen.put("pad_token_id", Llama2cVocab.EOS);
    HfCheckpoint.write(out, c, source.weights(), tok, null, gen, dtype);
  }
}
