package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.temper.engine.Devices;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchingTest {
  @Test
  void padsRightShiftsLabelsAndMasksOnlyTargets() {
    try (NDManager nd = Devices.newManager()) {
      TokenSequence a = new TokenSequence(new int[] {1, 5, 6, 7},
          new boolean[] {false, false, true, true});
      TokenSequence b = TokenSequence.allTrained(new int[] {1, 9});
      Batch batch = Batch.of(nd, List.of(a, b), 0);
      assertThat(batch.width()).isEqualTo(4);
      assertThat(batch.inputIds().toLongArray()).containsExactly(1, 5, 6, 7, 1, 9, 0, 0);
      assertThat(batch.labels().toLongArray()).containsExactly(5, 6, 7, 0, 9, 0, 0, 0);
      assertThat(batch.lossMask().toFloatArray()).containsExactly(0, 1, 1, 0, 1, 0, 0, 0);
      assertThat(batch.lastIndex().toLongArray()).containsExactly(3, 1);
      assertThat(batch.targetTokens()).isEqualTo(3);
      assertThat(a.truncate(3).trainedCount()).isEqualTo(1);
      assertThat(a.truncate(2).trainedCount()).isZero();
    }
  }

  @Test
  void packingKeepsEveryTokenInOrder() {
    List<TokenSequence> seqs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      seqs.add(TokenSequence.allTrained(new int[] {1, 10 + i, 20 + i}));
    }
    List<TokenSequence> rows = Packing.pack(seqs, 4);
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0).ids()).containsExactly(1, 10, 20, 1);
    assertThat(rows.get(3).ids()).containsExactly(1, 14, 24);
    assertThat(rows.get(0).trained()).containsExactly(false, true, true, false);
  }

  @Test
  void stepPlanCoversEachEpochOnceAndIsAFunctionOfTheStep() {
    StepPlan plan = new StepPlan(10, 3, 2, 2, null, 7);
    assertThat(plan.microBatchesPerEpoch()).isEqualTo(4);
    assertThat(plan.stepsPerEpoch()).isEqualTo(2);
    assertThat(plan.totalSteps()).isEqualTo(4);
    Set<Integer> seen = new HashSet<>();
    for (int step = 1; step <= 2; step++) {
      for (int[] mb : plan.microBatches(step)) {
        for (int i : mb) {
          assertThat(seen.add(i)).isTrue();
        }
      }
    }
    assertThat(seen).hasSize(10);
    StepPlan again = new StepPlan(10, 3, 2, 2, null, 7);
    assertThat(again.microBatches(3).get(0)).containsExactly(plan.microBatches(3).get(0));
    assertThat(plan.order(0)).isNotEqualTo(plan.order(1));
    assertThat(new StepPlan(10, 3, 2, 2, 9, 7).totalSteps()).isEqualTo(9);
  }
}
