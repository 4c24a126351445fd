package ai.temper.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.temper.engine.Devices;
import ai.temper.engine.FileErrors;
import ai.temper.engine.Json;
import ai.temper.engine.NoGrad;
import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.StateDict;
import ai.temper.engine.model.Tensor;
import ai.temper.engine.model.hf.HfCheckpoint;
import ai.temper.engine.model.hf.SafetensorsIndex;
import ai.temper.engine.tokenizer.HfTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A trained reward model read back from its checkpoint (HF LlamaForSequenceClassification:
 * the backbone plus score.weight), scoring conversations the way training did: the chat
 * template of the checkpoint, the head on the last non-pad token. For PPO and evaluation.
 */
public final class RewardScorer implements AutoCloseable {
  private static final ObjectMapper JSON = Json.MAPPER;
  private final TrainableModel model;
  private final HfTokenizer tokenizer;
  private final ChatEncoder chat;

  private RewardScorer(TrainableModel model, HfTokenizer tokenizer, ChatEncoder chat) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.chat = chat;
  }

  /** Reads a reward-model checkpoint directory written by a {@code temper train rm} run. */
  public static RewardScorer load(Path dir) {
    TrainableModel m = loadModel(dir);
    HfTokenizer tok = HfTokenizer.open(dir);
    return new RewardScorer(m, tok, new ChatEncoder(ChatTemplate.forTokenizer(tok), tok));
  }

  /** The reward model of a checkpoint directory: its backbone with the score head. */
  static TrainableModel loadModel(Path dir) {
    if (!Files.isRegularFile(dir.resolve(HfCheckpoint.CONFIG))) {
      throw new TemperException(dir + ": no config.json: not a reward model checkpoint");
    }
    Path cfgFile = dir.resolve(HfCheckpoint.CONFIG);
    LlamaConfig config;
    try {
      ObjectNode cfg = (ObjectNode) JSON.readTree(Files.readString(cfgFile));
      if (!CheckpointIO.REWARD_ARCHITECTURE.equals(cfg.path("architectures").path(0).asText())) {
        throw new TemperException(dir + ": not a reward model (config.json names "
            + cfg.path("architectures").path(0).asText("no architecture") + ")");
      }
      // the backbone is a plain Llama: read the config as one
      cfg.putArray("architectures").add(LlamaConfig.LLAMA);
      Path tmp = Files.createTempFile("temper-rm-config", ".json");
      try {
        Files.writeString(tmp, JSON.writeValueAsString(cfg));
        config = LlamaConfig.read(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException | ClassCastException e) {
      throw new TemperException(cfgFile + ": cannot read: "
          + (e instanceof IOException io ? FileErrors.reason(io) : "not a JSON object"), e);
    }
    Map<String, Tensor> tensors = SafetensorsIndex.read(dir).tensors();
    Tensor score = tensors.get(TrainableModel.SCORE);
    if (score == null) {
      throw new TemperException(dir + ": no score.weight: not a reward model");
    }
    StateDict backbone = new StateDict();
    tensors.forEach((k, v) -> {
      if (!k.equals(TrainableModel.SCORE)) {
        backbone.put(k, v);
      }
    });
    TorchRuntime.configure(null);
    TrainableModel m = new TrainableModel(LlamaModel.create(config, backbone));
    m.addScoreHead(0, 0, score.data());
    return m;
  }

  /** The reward model's vocabulary size (a value head must read the policy's token ids). */
  public int vocabSize() {
    return model.config().vocabSize();
  }

  /** Rewards of conversations (each ending with the answer to score). */
  public float[] score(List<List<ChatMessage>> conversations) {
    List<TokenSequence> seqs = new ArrayList<>();
    for (List<ChatMessage> c : conversations) {
      ChatEncoder.Encoded e = chat.encodeForTraining(c);
      seqs.add(new TokenSequence(e.ids(), e.trained()));
    }
    try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope();
        NDManager nd = Devices.newManager()) {
      NDArray r = RewardModeling.rewards(model, Batch.of(nd, seqs, tokenizer.padId()));
      return r.toFloatArray();
    }
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
