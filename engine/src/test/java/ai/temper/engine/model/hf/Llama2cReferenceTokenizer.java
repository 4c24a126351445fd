package ai.temper.engine.model.hf;

import ai.temper.engine.tokenizer.Tokenizer;
import java.nio.file.Path;

/** The literal llama2.c algorithm behind the Tokenizer interface (a non-HF tokenizer). */
public final class Llama2cReferenceTokenizer implements Tokenizer {
  private final Llama2cVocab vocab;
  private final Llama2cReference ref;

  public Llama2cReferenceTokenizer(Path file) {
    vocab = Llama2cVocab.read(file);
    ref = new Llama2cReference(vocab);
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    return ref.encode(text, addBos);
  }

  @Override
  public String decode(int[] ids) {
    return ref.decode(ids);
  }

  @Override
  public StreamDecoder newStreamDecoder() {
    throw new UnsupportedOperationException();
  }

  @Override
  public int vocabSize() {
    return vocab.size();
  }

  @Override
  public int bosId() {
    return Llama2cVocab.BOS;
  }

  @Override
  public int eosId() {
    return Llama2cVocab.EOS;
  }

  @Override
  public int padId() {
    return Llama2cVocab.EOS;
  }

  @Override
  public String tokenText(int id) {
    return vocab.pieces().get(id);
  }
}
