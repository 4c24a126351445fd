package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.chat.ChatConversation.Reply;
import ai.temper.engine.chat.ChatConversation.Turn;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.data.Example;
import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.Database;
import ai.temper.engine.store.DatasetRepository.StoredExample;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conversations saved, reopened, edited, regenerated and judged, over a real H2 home. */
class ChatConversationTest {
  @TempDir Path home;
  Database db;

  @BeforeEach
  void open() {
    db = Database.open(home);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static Setup single(String system) {
    return new Setup(null, "/models/a", null, null, null, system,
        ChatSettings.greedy(64).toJson());
  }

  static Setup pair() {
    return new Setup("compare", "/models/a", "/models/a/tok.bin", "/models/b", null, "Be kind.",
        ChatSettings.defaults().withSeed(3L).toJson());
  }

  static Reply reply(String text, String model) {
    return new Reply(text, 123.5, 7, "EOS", model);
  }

  @Test
  void savedConversationReopensAsItWasLeft() {
    ChatConversation c = ChatConversation.start(db, single("You are terse."));
    int r1 = c.addUser("Hello there, tell me a long story please about a cat and a dog");
    c.putReply(r1, 0, reply("Hi.", "/models/a"));
    int r2 = c.addUser("More?");
    c.putReply(r2, 0, reply("No.", "/models/a"));

    ChatConversation again = ChatConversation.open(db, c.id());
    assertThat(again.turns()).isEqualTo(c.turns()).hasSize(4);
    assertThat(again.setup().title())
        .isEqualTo("Hello there, tell me a long story please about a cat and a …");
    assertThat(again.settings()).isEqualTo(ChatSettings.greedy(64));
    assertThat(again.turns().get(3).left().tokensPerSecond()).isEqualTo(123.5);
    assertThat(again.promptFor(4, 0)).containsExactly(ChatMessage.system("You are terse."),
        ChatMessage.user("Hello there, tell me a long story please about a cat and a dog"),
        ChatMessage.assistant("Hi."), ChatMessage.user("More?"), ChatMessage.assistant("No."));
    assertThat(db.conversations().list()).singleElement()
        .satisfies(s -> assertThat(s.messages()).isEqualTo(4));
  }

  @Test
  void editingAnEarlierTurnDeletesTheTurnsAfterIt() {
    ChatConversation c = ChatConversation.start(db, single(""));
    c.putReply(c.addUser("one"), 0, reply("1", "m"));
    c.putReply(c.addUser("two"), 0, reply("2", "m"));
    c.putReply(c.addUser("three"), 0, reply("3", "m"));

    int due = c.edit(2, 0, "TWO");
    assertThat(due).isEqualTo(3);
    assertThat(c.turns()).extracting(t -> t.left().content())
        .containsExactly("one", "1", "TWO");
    assertThat(c.pendingReply()).isEqualTo(3);
    assertThat(c.promptFor(3, 0)).containsExactly(ChatMessage.user("one"),
        ChatMessage.assistant("1"), ChatMessage.user("TWO"));
    assertThat(ChatConversation.open(db, c.id()).turns()).isEqualTo(c.turns());

    // editing a reply keeps it, marked as edited, and still drops what followed
    c.putReply(3, 0, reply("2 again", "m"));
    c.addUser("four");
    assertThat(c.edit(1, 0, "uno")).isEqualTo(-1);
    assertThat(c.turns()).extracting(t -> t.left().content()).containsExactly("one", "uno");
    assertThat(c.turns().get(1).left().finishReason()).isEqualTo("EDITED");
    assertThat(ChatConversation.open(db, c.id()).turns()).isEqualTo(c.turns());
  }

  @Test
  void regenerateReplacesTheLastAssistantTurn() {
    ChatConversation c = ChatConversation.start(db, single(""));
    c.putReply(c.addUser("one"), 0, reply("first try", "m"));
    int idx = c.prepareRegenerate();
    assertThat(idx).isEqualTo(1);
    assertThat(c.turns()).hasSize(1);
    c.putReply(idx, 0, reply("second try", "m"));
    assertThat(ChatConversation.open(db, c.id()).turns()).extracting(t -> t.left().content())
        .containsExactly("one", "second try");
    // an unanswered user message is answered, not dropped
    c.addUser("two");
    assertThat(c.prepareRegenerate()).isEqualTo(3);
    assertThat(c.turns()).hasSize(3);
  }

  @Test
  void aNewUserMessageReplacesAnUnansweredOne() {
    ChatConversation c = ChatConversation.start(db, single(""));
    c.addUser("lost");
    assertThat(c.addUser("again")).isEqualTo(1);
    assertThat(ChatConversation.open(db, c.id()).turns()).extracting(t -> t.left().content())
        .containsExactly("again");
  }

  @Test
  void judgingAPairAddsExactlyOnePreferenceExample() {
    long ds = ChatConversation.createPreferenceDataset(db, "chat-prefs");
    ChatConversation c = ChatConversation.start(db, pair());
    int idx = c.addUser("Say hi");
    c.putReply(idx, 1, reply("right hi", "/models/b"));
    c.putReply(idx, 0, reply("left hi", "/models/a"));
    assertThat(c.pendingReply()).isEqualTo(-1);

    long at = c.judge(idx, Verdict.RIGHT, ds);
    assertThat(at).isZero();
    assertThat(db.datasets().find(ds).orElseThrow().rowCount()).isEqualTo(1);
    StoredExample stored = db.datasets().page(ds, 0, 10).get(0);
    Example e = Example.fromJson(DatasetKind.PREFERENCE, stored.data());
    assertThat(e.prompt()).extracting(m -> m.role() + ":" + m.content())
        .containsExactly("system:Be kind.", "user:Say hi");
    assertThat(e.chosen()).extracting(m -> m.content()).containsExactly("right hi");
    assertThat(e.rejected()).extracting(m -> m.content()).containsExactly("left hi");
    assertThat(e.meta().get("chosen_model").asText()).isEqualTo("/models/b");
    assertThat(e.meta().get("same_prompt").asBoolean()).isTrue();
    assertThat(e.meta().get("settings").get("seed").asLong()).isEqualTo(3);

    // judged once; the next turn of both sides continues from the preferred reply
    assertThatThrownBy(() -> c.judge(idx, Verdict.LEFT, ds))
        .isInstanceOf(TemperException.class).hasMessageContaining("judged already");
    int next = c.addUser("And?");
    assertThat(c.promptFor(next, 0)).isEqualTo(c.promptFor(next, 1))
        .contains(ChatMessage.assistant("right hi"));
    assertThat(db.datasets().find(ds).orElseThrow().rowCount()).isEqualTo(1);

    // reopened, the verdict is there
    assertThat(ChatConversation.open(db, c.id()).verdicts()).containsEntry(idx, Verdict.RIGHT);
  }

  @Test
  void aTieIsRecordedWithTheConversationOnlyAndSidesKeepTheirOwnHistory() {
    long ds = ChatConversation.createPreferenceDataset(db, "prefs");
    ChatConversation c = ChatConversation.start(db, pair());
    int idx = c.addUser("Say hi");
    c.putReply(idx, 0, reply("L", "/models/a"));
    c.putReply(idx, 1, reply("R", "/models/b"));
    assertThat(c.judge(idx, Verdict.TIE, ds)).isEqualTo(-1);
    assertThat(db.datasets().find(ds).orElseThrow().rowCount()).isZero();
    assertThat(db.conversations().verdicts(c.id())).singleElement()
        .satisfies(v -> assertThat(v.verdict()).isEqualTo("tie"));
    int next = c.addUser("And?");
    assertThat(c.promptFor(next, 0)).contains(ChatMessage.assistant("L"));
    assertThat(c.promptFor(next, 1)).contains(ChatMessage.assistant("R"));
    c.putReply(next, 0, reply("L2", "/models/a"));
    c.putReply(next, 1, reply("R2", "/models/b"));
    c.judge(next, Verdict.LEFT, ds);
    Example e = Example.fromJson(DatasetKind.PREFERENCE, db.datasets().page(ds, 0, 1).get(0)
        .data());
    assertThat(e.meta().get("same_prompt").asBoolean()).isFalse();
    assertThat(e.prompt()).extracting(m -> m.content()).contains("L").doesNotContain("R");
  }

  @Test
  void judgingNeedsAPreferenceDatasetAndAPair() {
    long messages = db.datasets().create("sft", "messages", "jsonl", null, null, null);
    ChatConversation c = ChatConversation.start(db, pair());
    int idx = c.addUser("Say hi");
    c.putReply(idx, 0, reply("L", "/models/a"));
    assertThatThrownBy(() -> c.judge(idx, Verdict.LEFT, messages))
        .hasMessageContaining("not a pair");
    c.putReply(idx, 1, reply("R", "/models/b"));
    assertThatThrownBy(() -> c.judge(idx, Verdict.LEFT, messages))
        .hasMessageContaining("pick or create a preference dataset");
    assertThatThrownBy(() -> c.judge(idx, Verdict.LEFT, null))
        .hasMessageContaining("pick a preference dataset");
    assertThat(db.conversations().verdicts(c.id())).isEmpty();
    assertThatThrownBy(() -> ChatConversation.createPreferenceDataset(db, "sft"))
        .hasMessageContaining("exists already");
  }

  @Test
  void regeneratingAJudgedTurnDropsItsVerdictButKeepsTheExample() {
    long ds = ChatConversation.createPreferenceDataset(db, "prefs");
    ChatConversation c = ChatConversation.start(db, pair());
    int idx = c.addUser("Say hi");
    c.putReply(idx, 0, reply("L", "/models/a"));
    c.putReply(idx, 1, reply("R", "/models/b"));
    c.judge(idx, Verdict.LEFT, ds);
    assertThat(c.prepareRegenerate()).isEqualTo(idx);
    assertThat(c.verdicts()).isEmpty();
    assertThat(db.conversations().verdicts(c.id())).isEmpty();
    assertThat(db.datasets().find(ds).orElseThrow().rowCount()).isEqualTo(1);
    List<Turn> turns = ChatConversation.open(db, c.id()).turns();
    assertThat(turns).hasSize(1);
  }

  @Test
  void deletingAConversationDeletesItsMessagesAndVerdicts() {
    ChatConversation c = ChatConversation.start(db, pair());
    int idx = c.addUser("x");
    c.putReply(idx, 0, reply("L", "a"));
    c.putReply(idx, 1, reply("R", "b"));
    c.judge(idx, Verdict.TIE, null);
    assertThat(db.conversations().delete(c.id())).isTrue();
    assertThat(db.conversations().list()).isEmpty();
    assertThat(db.conversations().messages(c.id())).isEmpty();
    assertThat(db.conversations().verdicts(c.id())).isEmpty();
  }
}
