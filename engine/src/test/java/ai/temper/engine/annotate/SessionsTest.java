package ai.temper.engine.annotate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.TemperException;
import ai.temper.engine.annotate.Annotations.Item;
import ai.temper.engine.chat.ChatConversation;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.chat.Verdict;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions, queues, bundles across two homes, imports and exports over real H2 homes. */
class SessionsTest {
  static final Path HH = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");

  @TempDir Path dir;
  Database db;
  Annotations an;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("home1"));
    an = new Annotations(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void overlapAssignsEachPairToKAnnotatorsAndSidesAreStable() {
    SessionRow s = an.create("s", null, "test", List.of("ann", "bob", "cy"), 2, 11, null,
        null, null, AgreementTest.pairs(9));
    int total = 0;
    for (String who : List.of("ann", "bob", "cy")) {
      List<Item> q = an.queue(s, who);
      total += q.size();
      assertThat(q).hasSize(6);
      assertThat(an.queue(s, who)).extracting(Item::leftSide)
          .isEqualTo(q.stream().map(Item::leftSide).toList());
    }
    assertThat(total).isEqualTo(18);
    Set<String> sides = new HashSet<>();
    an.queue(s, "ann").forEach(i -> sides.add(i.leftSide()));
    assertThat(sides).containsExactlyInAnyOrder("a", "b");
    assertThatThrownBy(() -> an.queue(s, "dan")).isInstanceOf(TemperException.class)
        .hasMessageContaining("ann, bob, cy");
  }

  @Test
  void labelsAreCommittedAtOnceAndTheQueueResumesAfterUndo() {
    SessionRow s = an.create("s", null, "test", List.of("ann"), 0, 1, null,
        new Annotations.Question("Which is kinder?", true, true), null, AgreementTest.pairs(5));
    List<Item> q = an.queue(s, "ann");
    assertThat(Annotations.resumeAt(q)).isZero();
    Item first = q.get(0);
    an.label(s, "ann", first.pair().idx(), Choice.Screen.LEFT.toChoice(first.leftSide()), 4,
        " shorter ", 2.5);
    an.label(s, "ann", 1, Choice.TIE, null, null, 1.0);
    // another connection to the same file sees them at once
    db.close();
    db = Database.open(dir.resolve("home1"));
    an = new Annotations(db);
    s = an.require("s");
    q = an.queue(s, "ann");
    assertThat(Annotations.resumeAt(q)).isEqualTo(2);
    assertThat(q.get(0).screenChoice()).isEqualTo(Choice.Screen.LEFT);
    assertThat(q.get(0).label().reason()).isEqualTo("shorter");
    assertThat(q.get(0).label().rating()).isEqualTo(4);
    assertThat(an.question(s)).isEqualTo(new Annotations.Question("Which is kinder?", true,
        true));
    assertThat(an.undo(s, "ann")).contains(1);
    assertThat(Annotations.resumeAt(an.queue(s, "ann"))).isEqualTo(1);
    assertThatThrownBy(() -> an.label(an.require("s"), "ann", 0, Choice.A, 9, null, null))
        .hasMessageContaining("1 to 5");
  }

  @Test
  void bundleRoundTripAcrossTwoHomesAndMergingTwiceChangesNothing() throws Exception {
    SessionRow s = an.create("study", null, "models", List.of("ann", "bob"), 1, 5, null,
        null, null, AgreementTest.pairs(6));
    an.label(s, "ann", 0, Choice.A, null, null, 1.0);
    Path out = dir.resolve("bob.json");
    new Bundles(db).write(s, "bob", out);
    String text = Files.readString(out);
    assertThat(text).doesNotContain("\"m1\"").doesNotContain("source_a");

    try (Database other = Database.open(dir.resolve("home2"))) {
      Annotations there = new Annotations(other);
      SessionRow copy = new Bundles(other).open(out);
      assertThat(copy.uid()).isEqualTo(s.uid());
      List<Item> q = there.queue(copy, "bob");
      assertThat(q).hasSize(3).extracting(i -> i.pair().idx()).containsExactly(1, 3, 5);
      // the same sides as the first home would show
      assertThat(q).extracting(Item::leftSide).containsExactlyElementsOf(
          an.queue(s, "bob").stream().map(Item::leftSide).toList());
      for (Item i : q) {
        there.label(copy, "bob", i.pair().idx(), Choice.Screen.RIGHT.toChoice(i.leftSide()),
            null, "because", 3.0);
      }
      new Bundles(other).write(copy, "bob", dir.resolve("bob-back.json"));

      // a second annotator's bundle opened on the same machine joins the session there
      new Bundles(db).write(s, "ann", dir.resolve("ann.json"));
      SessionRow same = new Bundles(other).open(dir.resolve("ann.json"));
      assertThat(same.id()).isEqualTo(copy.id());
      assertThat(there.queue(same, "ann")).extracting(i -> i.pair().idx())
          .containsExactly(0, 2, 4);
      assertThat(there.queue(same, "ann").get(0).labelled()).isTrue();
      assertThat(there.queue(same, "bob")).hasSize(3);
    }
    Bundles.MergeResult first = new Bundles(db).merge(dir.resolve("bob-back.json"), null);
    assertThat(first.added()).isEqualTo(3);
    List<LabelRow> after = an.labels(s);
    Bundles.MergeResult again = new Bundles(db).merge(dir.resolve("bob-back.json"), "study");
    assertThat(again.added()).isZero();
    assertThat(again.updated()).isZero();
    assertThat(again.unchanged()).isEqualTo(3);
    assertThat(an.labels(s)).isEqualTo(after);
    assertThat(after).hasSize(4);
    assertThat(Annotations.resumeAt(an.queue(s, "bob"))).isEqualTo(3);

    // a bundle of another session is refused, naming it
    SessionRow other = an.create("other", null, "test", List.of("bob"), 0, 1, null, null, null,
        AgreementTest.pairs(2));
    assertThat(other.uid()).isNotEqualTo(s.uid());
    assertThatThrownBy(() -> new Bundles(db).merge(dir.resolve("bob-back.json"), "other"))
        .hasMessageContaining("belongs to session 'study', not 'other'");
    try (Database third = Database.open(dir.resolve("home3"))) {
      assertThatThrownBy(() -> new Bundles(third).merge(dir.resolve("bob-back.json"), null))
          .hasMessageContaining("session 'study'").hasMessageContaining("does not hold");
    }
  }

  @Test
  void importMatchesPairsByContentIsIdempotentAndExportsBack() throws Exception {
    Path file = dir.resolve("labels.jsonl");
    Files.writeString(file, String.join("\n",
        "{\"prompt\":\"p1\",\"response_a\":\"x\",\"response_b\":\"y\",\"annotator\":\"ann\","
            + "\"choice\":\"a\",\"rating\":5,\"reason\":\"clear\"}",
        "{\"prompt\":\"p1\",\"response_a\":\"y\",\"response_b\":\"x\",\"annotator\":\"bob\","
            + "\"choice\":\"b\"}",
        "{\"prompt\":\"p1\",\"response_a\":\"x\",\"response_b\":\"y\",\"annotator\":\"cy\","
            + "\"choice\":\"b\"}",
        "{\"prompt\":\"p2\",\"response_a\":\"u\",\"response_b\":\"v\",\"annotator\":\"ann\","
            + "\"choice\":\"tie\"}",
        "") + "\n");
    LabelFiles files = new LabelFiles(db);
    LabelFiles.ImportResult r = files.importLabels(file, "sheet");
    assertThat(r.created()).isTrue();
    assertThat(r.newPairs()).isEqualTo(2);
    assertThat(r.added()).isEqualTo(4);
    LabelFiles.ImportResult again = files.importLabels(file, "sheet");
    assertThat(again.newPairs()).isZero();
    assertThat(again.added()).isZero();
    assertThat(again.unchanged()).isEqualTo(4);
    SessionRow s = an.require("sheet");
    // bob's "b" on the swapped pair is an "a" on the stored one
    assertThat(an.labels(s)).filteredOn(l -> l.annotator().equals("bob"))
        .extracting(LabelRow::choice).containsExactly("a");

    LabelFiles.ExportResult maj = files.exportDataset(s, "sheet-majority",
        LabelFiles.Rule.MAJORITY, null);
    assertThat(maj.rows()).isEqualTo(1);
    assertThat(maj.pairsLeftOut()).isEqualTo(1);
    DatasetInfo d = db.datasets().find("sheet-majority").orElseThrow();
    assertThat(d.kind()).isEqualTo("preference");
    Example ex = Example.fromJson(DatasetKind.PREFERENCE,
        db.datasets().example(d.id(), 0).orElseThrow().data());
    assertThat(ex.chosen().get(0).content()).isEqualTo("x");
    assertThat(ex.meta().get("votes_chosen").asInt()).isEqualTo(2);

    LabelFiles.ExportResult per = files.exportDataset(s, "sheet-per",
        LabelFiles.Rule.PER_ANNOTATOR, null);
    assertThat(per.rows()).isEqualTo(3);
    DatasetInfo pd = db.datasets().find("sheet-per").orElseThrow();
    Example cy = Example.fromJson(DatasetKind.PREFERENCE,
        db.datasets().example(pd.id(), 2).orElseThrow().data());
    assertThat(cy.meta().get("annotator").asText()).isEqualTo("cy");
    assertThat(cy.chosen().get(0).content()).isEqualTo("y");

    Path back = dir.resolve("back.jsonl");
    assertThat(files.exportLabels(s, back)).isEqualTo(4);
    try (Database other = Database.open(dir.resolve("home2"))) {
      LabelFiles.ImportResult copy = new LabelFiles(other).importLabels(back, "copy");
      assertThat(copy.added()).isEqualTo(4);
      assertThat(copy.newPairs()).isEqualTo(2);
    }
  }

  @Test
  void badImportLineIsNamedAndNothingIsWritten() throws Exception {
    Path file = dir.resolve("bad.jsonl");
    Files.writeString(file, "{\"prompt\":\"p\",\"response_a\":\"x\",\"response_b\":\"y\","
        + "\"annotator\":\"ann\",\"choice\":\"a\"}\n"
        + "{\"prompt\":\"p\",\"response_a\":\"x\",\"response_b\":\"y\",\"annotator\":\"bob\","
        + "\"choice\":\"left\"}\n");
    assertThatThrownBy(() -> new LabelFiles(db).importLabels(file, "sheet"))
        .hasMessageContaining("bad.jsonl line 2").hasMessageContaining("'choice'");
    assertThat(db.annotations().findSession("sheet")).isEmpty();
  }

  @Test
  void chatVerdictsAppearAsASessionOfTheUser() {
    ChatConversation c = ChatConversation.start(db, new Setup("cmp", "/m/a", null, "/m/b",
        null, null, ChatSettings.defaults().toJson()));
    int t = c.addUser("Tell me a story");
    c.putReply(t, 0, new ChatConversation.Reply("Once upon a time.", 10.0, 4, "EOS", "/m/a"));
    c.putReply(t, 1, new ChatConversation.Reply("The end.", 10.0, 2, "EOS", "/m/b"));
    long ds = ChatConversation.createPreferenceDataset(db, "chat-prefs");
    c.judge(t, Verdict.RIGHT, ds);
    assertThat(ChatSessions.sync(db)).isEqualTo(1);
    assertThat(ChatSessions.sync(db)).isZero();
    SessionRow s = an.require(ChatSessions.NAME);
    List<LabelRow> labels = an.labels(s);
    assertThat(labels).singleElement().satisfies(l -> {
      assertThat(l.choice()).isEqualTo("b");
      assertThat(l.annotator()).isEqualTo(ChatSessions.user());
    });
    assertThat(an.pairs(s).get(0).prompt()).isEqualTo("Tell me a story");
    assertThat(an.pairs(s).get(0).sourceB()).isEqualTo("/m/b");
  }

  @Test
  void sessionFromRealHhPairsExportsWhatWasLabelled() throws Exception {
    assumeTrue(Files.isRegularFile(HH), "../shared HH-RLHF data is absent: skipping");
    // the first 60 transcripts of the real file, as they are
    Path cut = dir.resolve("hh-60.jsonl");
    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(
        new java.util.zip.GZIPInputStream(Files.newInputStream(HH)),
        java.nio.charset.StandardCharsets.UTF_8))) {
      Files.write(cut, in.lines().limit(60).toList());
    }
    DatasetImporter.Result imported = new DatasetImporter(db).importFile(cut,
        new DatasetImporter.Options("hh", DataFormat.of("hh"), DatasetImporter.OnError.SKIP),
        JobContext.none());
    assertThat(imported.rows()).isEqualTo(60);
    SessionRow s = an.create("hh", null, "dataset", List.of("ann", "bob"), 0, 3, null, null,
        null, PairSources.fromDataset(db, "hh", 20));
    assertThat(an.pairs(s)).hasSize(20).allSatisfy(p -> {
      assertThat(p.prompt()).isNotBlank();
      assertThat(p.responseA()).isNotEqualTo(p.responseB());
    });
    // ann agrees with the HH labels (a is the dataset's chosen side); bob disagrees on 5
    for (Item i : an.queue(s, "ann")) {
      an.label(s, "ann", i.pair().idx(), Choice.A, null, null, 2.0);
    }
    for (Item i : an.queue(s, "bob")) {
      an.label(s, "bob", i.pair().idx(), i.pair().idx() < 5 ? Choice.B : Choice.A, null, null,
          3.0);
    }
    Agreement.Report r = Agreement.of(an.labels(s));
    assertThat(r.kappas().get(0).observed()).isEqualTo(0.75);
    LabelFiles.ExportResult e = new LabelFiles(db).exportDataset(s, "hh-relabelled",
        LabelFiles.Rule.MAJORITY, null);
    // the five split pairs tie 1-1 and are left out
    assertThat(e.rows()).isEqualTo(15);
    assertThat(e.pairsLeftOut()).isEqualTo(5);
  }
}
