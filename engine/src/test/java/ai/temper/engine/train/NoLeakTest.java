package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import ai.temper.engine.NoGrad;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Training steps leave no arrays behind: every step's arrays close with its scope. */
class NoLeakTest {
  @BeforeAll
  static void setUp() {
    TrainFixtures.oneThread();
  }

  private static int liveArrays() {
    try (NDManager probe = Devices.newManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  @Test
  void stepsOfEveryObjectiveKeepTheArrayCountFlat() {
    LlamaConfig c = LlamaConfig.llama(64, 32, 64, 2, 4, 2, 64, false);
    for (boolean lora : new boolean[] {false, true}) {
      try (NoGrad ng = NoGrad.enter();
          TrainableModel m = new TrainableModel(LlamaModel.random(c, 3))) {
        m.addScoreHead(1, 0.02, null);
        if (lora) {
          m.addLora(List.of("q_proj", "down_proj"), 2, 4, 0.1, 1);
        }
        Random r = new Random(1);
        List<TokenSequence> seqs = new ArrayList<>();
        List<Encoder.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int[] ids = new int[5 + r.nextInt(10)];
          for (int j = 0; j < ids.length; j++) {
            ids[j] = 1 + r.nextInt(63);
          }
          seqs.add(TokenSequence.allTrained(ids));
        }
        for (int i = 0; i < 4; i++) {
          pairs.add(new Encoder.Pair(seqs.get(2 * i), seqs.get(2 * i + 1)));
        }
        TrainConfig dpo = TrainConfig.defaults(TrainKind.DPO);
        List<Objective> objectives = List.of(new LanguageModeling(m, seqs, seqs, 0),
            new RewardModeling(m, pairs, pairs, 0, TrainConfig.defaults(TrainKind.RM)));
        PreferenceOptimization p = new PreferenceOptimization(m, pairs, pairs, 0, dpo);
        p.computeReferences(4, ai.temper.engine.jobs.JobContext.none());
        m.setTraining(true);
        try (AdamW opt = new AdamW(m.trainable(), 0.9, 0.999, 1e-8, 0.01)) {
          List<Objective> all = new ArrayList<>(objectives);
          all.add(p);
          int before = -1;
          for (int round = 0; round < 4; round++) {
            for (Objective o : all) {
              Trainer.step(o, opt, List.of(new int[] {0, 1}, new int[] {2, 3}), 1e-3, 1.0,
                  round + 1);
              o.evaluate(4);
            }
            if (round == 0) {
              before = liveArrays();
            }
          }
          assertThat(before).isGreaterThan(m.trainable().size());
          assertThat(liveArrays()).as("lora=" + lora).isEqualTo(before);
        }
      }
    }
  }
}
