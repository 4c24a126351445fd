package ai.temper.engine.model.hf;

import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.model.Checkpoint;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.ModelFormat;
import ai.temper.engine.model.ModelLoader;
import ai.temper.engine.tokenizer.HfTokenizerFiles;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A llama2.c checkpoint (already in HF names and rotate-half layout, as the llama2.c reader
 * delivers it) and its tokenizer, written as a Hugging Face directory that generates the same
 * tokens as the source, in Temper and in transformers.
 */
public final class Llama2cToHf {
  private Llama2cToHf() {}

  /**
   * Reads the llama2.c checkpoint {@code bin} with its tokenizer ({@code tokenizerOrNull}, or
   * tokenizer.bin / tok&lt;vocab&gt;.bin beside it) and writes it to {@code out}.
   */
  public static void convert(Path bin, Path tokenizerOrNull, Path out, DType dtype) {
    if (ModelLoader.detect(bin) != ModelFormat.LLAMA2C) {
      throw new TemperException(bin + ": not a llama2.c checkpoint");
    }
    Checkpoint ck = ModelLoader.readCheckpoint(bin, tokenizerOrNull);
    try (Tokenizer t = ck.tokenizer()) {
      if (!(t instanceof Llama2cTokenizer l)) {
        throw new TemperException(bin + ": expected a llama2.c tokenizer file");
      }
      write(out, ck, vocabOf(l), dtype);
    }
  }

  /** The pieces and scores of a loaded llama2.c tokenizer. */
  public static Llama2cVocab vocabOf(Llama2cTokenizer t) {
    List<String> pieces = new ArrayList<>(t.vocabSize());
    float[] scores = new float[t.vocabSize()];
    for (int i = 0; i < t.vocabSize(); i++) {
      pieces.add(t.tokenText(i));
      scores[i] = t.score(i);
    }
    return Llama2cVocab.of(pieces, scores);
  }

  /**
   * Writes {@code source} with the tokenizer {@code vocab} to {@code out}. The generation
   * config stops on EOS and on BOS: llama2.c's run.c ends a story when the model emits BOS
   * (the separator of its training stories), so both stop there.
   */
  public static void write(Path out, Checkpoint source, Llama2cVocab vocab, DType dtype) {
    LlamaConfig c = source.config();
    HfTokenizerFiles tok = Llama2cTokenizerConverter.convert(vocab, source.source());
    tok.tokenizerConfig().put("model_max_length", c.maxPositionEmbeddings());
    ObjectNode gen = Json.object();
    gen.put("bos_token_id", Llama2cVocab.BOS);
    gen.putArray("eos_token_id").add(Llama2cVocab.EOS).add(Llama2cVocab.BOS);
    gen.put("pad_token_id", Llama2cVocab.EOS);
    HfCheckpoint.write(out, c, source.weights(), tok, null, gen, dtype);
  }
}
