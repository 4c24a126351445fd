package ai.temper.views.annotate;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.AnnotationRepository.SessionSummary;
import ai.temper.views.common.ListViewModel;
import ai.temper.views.common.TablePage;

/** Preference-labelling sessions with their progress. */
public final class AnnotateView extends TablePage<SessionSummary> {
  public AnnotateView(ListViewModel<SessionSummary> model) {
    super("Annotate", "Preference-labelling sessions: several annotators label pairs; "
        + "labels land in the database as they are given.", model.rows(),
        "No annotation sessions yet. To label pairs now, use Chat's side-by-side mode: each "
            + "judged pair goes to a preference dataset.");
    column("ID", SessionSummary::id, 50);
    column("Session", SessionSummary::name, 220);
    column("Dataset", SessionSummary::dataset, 200);
    column("Status", SessionSummary::status, 90);
    column("Labels", SessionSummary::labels, 80);
    column("Annotators", SessionSummary::annotators, 90);
    column("Created", SessionSummary::createdAt, 180);
    action("Refresh", model::refresh);
    table().setId("annotate-table");
  }

  public static ListViewModel<SessionSummary> model(Workbench wb) {
    return new ListViewModel<>(wb.jobs(), () -> wb.db().annotations().sessions());
  }
}
