package ai.temper.engine.annotate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.temper.engine.annotate.Agreement.AnnotatorStats;
import ai.temper.engine.annotate.Agreement.PairKappa;
import ai.temper.engine.annotate.Agreement.Report;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agreement on a fixed table, labelled through the real session code into a real H2 home,
 * against values computed by hand (- is a missing label):
 *
 * <pre>
 * pair   X         Y     Z
 *  0     a         a     a
 *  1     a         b     -
 *  2     tie       tie   b
 *  3     b         b     b
 *  4     both_bad  -     both_bad
 *  5     a         tie   -
 *  6     -         a     -        (one label: not pairable, ignored by alpha)
 * </pre>
 *
 * Kappa X-Y over pairs 0,1,2,3,5: p_o = 3/5; X answers a3 tie1 b1, Y a1 b2 tie2, so
 * p_e = (3*1 + 1*2 + 1*2)/25 = 7/25 and kappa = (15/25 - 7/25)/(18/25) = 4/9.
 * X-Z over 0,2,3,4: p_o = 3/4, p_e = (1*1 + 1*2 + 1*1)/16 = 1/4, kappa = 2/3.
 * Y-Z over 0,2,3: p_o = 2/3, p_e = (1*1 + 1*2)/9 = 1/3, kappa = 1/2.
 * Alpha: coincidences o(a,a)=3, o(a,b)=o(b,a)=1 (pair 1), o(tie,tie)=1, o(tie,b)=o(b,tie)=1
 * (pair 2, each count / (3-1)), o(b,b)=3, o(bb,bb)=2, o(a,tie)=o(tie,a)=1 (pair 5);
 * n_a=5, n_b=5, n_tie=3, n_bb=2, n=15; off-diagonal o sum 6; sum_{c!=k} n_c n_k =
 * 225 - (25+25+9+4) = 162; alpha = 1 - 14 * 6 / 162 = 13/27.
 */
class AgreementTest {
  @TempDir Path home;
  Database db;
  Annotations an;

  @BeforeEach
  void open() {
    db = Database.open(home);
    an = new Annotations(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static List<NewPair> pairs(int n) {
    List<NewPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String p = "prompt " + i;
      out.add(new NewPair(i, p, "answer a" + i, "answer b" + i, "m1", "m2",
          Annotations.pairHash(p, "answer a" + i, "answer b" + i)));
    }
    return out;
  }

  @Test
  void kappaAndAlphaEqualHandComputedValues() {
    SessionRow s = an.create("fixed", null, "test", List.of("X", "Y", "Z"), 0, 7, null, null,
        null, pairs(7));
    String[][] table = {
        {"a", "a", "a"}, {"a", "b", null}, {"tie", "tie", "b"}, {"b", "b", "b"},
        {"both_bad", null, "both_bad"}, {"a", "tie", null}, {null, "a", null}};
    String[] who = {"X", "Y", "Z"};
    for (int u = 0; u < table.length; u++) {
      for (int c = 0; c < 3; c++) {
        if (table[u][c] != null) {
          an.label(s, who[c], u, Choice.of(table[u][c]), null, null, 1.0 + u + c);
        }
      }
    }
    // a skip is no label: it changes nothing below
    an.label(s, "Z", 1, Choice.SKIP, null, null, 9.0);

    Report r = Agreement.of(an.labels(s));
    assertThat(r.kappas()).extracting(PairKappa::first, PairKappa::second, PairKappa::common)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("X", "Y", 5),
            org.assertj.core.groups.Tuple.tuple("X", "Z", 4),
            org.assertj.core.groups.Tuple.tuple("Y", "Z", 3));
    assertThat(r.kappas().get(0).kappa()).isCloseTo(4.0 / 9, within(1e-12));
    assertThat(r.kappas().get(1).kappa()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(r.kappas().get(2).kappa()).isCloseTo(0.5, within(1e-12));
    assertThat(r.kappas().get(0).observed()).isCloseTo(0.6, within(1e-12));
    assertThat(r.alpha()).isCloseTo(13.0 / 27, within(1e-12));
    assertThat(r.unitsForAlpha()).isEqualTo(6);

    AnnotatorStats x = r.annotators().get(0);
    assertThat(x.annotator()).isEqualTo("X");
    assertThat(x.labels()).isEqualTo(6);
    assertThat(x.tieRate()).isCloseTo(1.0 / 6, within(1e-12));
    assertThat(x.bothBadRate()).isCloseTo(1.0 / 6, within(1e-12));
    // X's seconds: 1, 2, 3, 4, 5, 6 (pair + 1) -> median 3.5
    assertThat(x.medianSeconds()).isCloseTo(3.5, within(1e-12));
    AnnotatorStats z = r.annotators().get(2);
    assertThat(z.labels()).isEqualTo(4);
    assertThat(z.skips()).isEqualTo(1);
    // Z's seconds 3, 5, 6, 7 -> median 5.5 (the skip's 9 is not a label)
    assertThat(z.medianSeconds()).isCloseTo(5.5, within(1e-12));
  }

  @Test
  void positionBiasCountsTheSideShownNotTheResponse() {
    SessionRow s = an.create("bias", null, "test", List.of("lefty", "fair"), 0, 3, null, null,
        null, pairs(40));
    int shownAleft = 0;
    for (Annotations.Item item : an.queue(s, "lefty")) {
      an.label(s, "lefty", item.pair().idx(), Choice.Screen.LEFT.toChoice(item.leftSide()),
          null, null, 2.0);
      shownAleft += item.leftSide().equals("a") ? 1 : 0;
    }
    for (Annotations.Item item : an.queue(s, "fair")) {
      an.label(s, "fair", item.pair().idx(), Choice.A, null, null, 2.0);
    }
    Report r = Agreement.of(an.labels(s));
    AnnotatorStats fair = r.annotators().get(0);
    AnnotatorStats lefty = r.annotators().get(1);
    assertThat(lefty.leftRate()).isEqualTo(1.0);
    // sides are randomised per pair: about half the pairs show a on the left
    assertThat(shownAleft).isBetween(10, 30);
    assertThat(fair.leftRate()).isCloseTo(shownAleft / 40.0, within(0.2));
  }
}
