package ai.temper.engine.annotate;

import ai.temper.engine.store.AnnotationRepository;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.store.ConversationRepository.StoredMessage;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.engine.store.ConversationRepository.VerdictRow;
import ai.temper.engine.store.Database;
import java.util.List;

/**
 * Chat's side-by-side verdicts as an annotation session ({@value #NAME}, one annotator: the
 * user), so all human preference data is analysed in one place. The left reply is response a
 * (shown left, as in Chat), the right one b; the models are the pair's hidden sources.
 * {@link #sync} is idempotent: a verdict becomes one label with a stable id.
 */
public final class ChatSessions {
  public static final String NAME = "chat verdicts";
  public static final String UID = "chat-verdicts";

  private ChatSessions() {}

  /** The user named on chat labels. */
  public static String user() {
    String u = System.getProperty("user.name");
    return u == null || u.isBlank() ? "you" : u.strip();
  }

  /** Brings new verdicts into the chat session; returns the number of labels added. */
  public static int sync(Database db) {
    AnnotationRepository repo = db.annotations();
    Annotations annotations = new Annotations(db);
    int added = 0;
    SessionRow session = repo.findSessionByUid(UID).orElse(null);
    for (Summary c : db.conversations().list()) {
      List<VerdictRow> verdicts = db.conversations().verdicts(c.id());
      if (verdicts.isEmpty()) {
        continue;
      }
      List<StoredMessage> messages = db.conversations().messages(c.id());
      for (VerdictRow v : verdicts) {
        String prompt = null;
        String left = null;
        String right = null;
        String leftModel = null;
        String rightModel = null;
        for (StoredMessage m : messages) {
          if (m.idx() < v.idx() && m.role().equals("user")) {
            prompt = m.content();
          } else if (m.idx() == v.idx() && m.side() == 0) {
            left = m.content();
            leftModel = m.modelPath();
          } else if (m.idx() == v.idx() && m.side() == 1) {
            right = m.content();
            rightModel = m.modelPath();
          }
        }
        if (left == null || right == null) {
          continue;
        }
        String p = prompt == null ? "" : prompt;
        if (session == null) {
          session = annotations.create(NAME, UID, "chat", List.of(user()), 0, 0, null, null,
              null, List.of());
        }
        long hash = Annotations.pairHash(p, left, right);
        PairRow pair = null;
        for (PairRow r : repo.pairsWithHash(session.id(), hash)) {
          pair = r;
        }
        if (pair == null) {
          int idx = repo.pairCount(session.id());
          repo.addPairs(session.id(), List.of(new NewPair(idx, p, left, right, leftModel,
              rightModel, hash)));
          pair = repo.pair(session.id(), idx).orElseThrow();
        }
        String uid = Annotations.labelUid(UID, pair.idx(), user());
        if (repo.label(uid).isEmpty()) {
          String choice = switch (v.verdict()) {
            case "left" -> "a";
            case "right" -> "b";
            default -> "tie";
          };
          repo.insertLabel(session.id(), uid, pair.id(), user(), choice, null, null, "a", null,
              v.createdAt(), v.createdAt());
          added++;
        }
      }
    }
    return added;
  }
}
