package ai.temper.engine.chat;

import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.engine.store.Database;
import java.util.List;

/** The saved chat conversations of one home: list, start, reopen, delete. */
public final class Conversations {
  private final Database db;

  public Conversations(Database db) {
    this.db = db;
  }

  /** Every conversation, the most recently changed first. */
  public List<Summary> list() {
    return db.conversations().list();
  }

  /** Starts and saves a new conversation. */
  public ChatConversation start(Setup setup) {
    return ChatConversation.start(db, setup);
  }

  /** Reopens a saved conversation with its turns and verdicts. */
  public ChatConversation open(long id) {
    return ChatConversation.open(db, id);
  }

  public boolean delete(long id) {
    return db.conversations().delete(id);
  }

  /** Creates an empty preference dataset that verdicts are added to; its id. */
  public long createPreferenceDataset(String name) {
    return ChatConversation.createPreferenceDataset(db, name);
  }
}
