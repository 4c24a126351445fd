package ai.temper.app.cli;

import ai.temper.engine.store.JobRepository.JobRow;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code temper jobs}: the record of background jobs (imports, training, evaluation...). */
@Command(name = "jobs", description = "List recent background jobs and how they ended.",
    mixinStandardHelpOptions = true)
public final class JobsCommand implements Callable<Integer> {
  @ParentCommand TemperCommand root;

  @Option(names = "--limit", defaultValue = "50", description = "How many (default ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    Table t = new Table("ID", "KIND", "TITLE", "STATUS", "PROGRESS", "CREATED", "ENDED", "ERROR");
    for (JobRow j : root.workbench().db().jobs().recent(limit)) {
      t.add(j.id(), j.kind(), j.title(), j.status(),
          j.fraction() == null ? null : Math.round(j.fraction() * 100) + "%",
          j.createdAt(), j.endedAt(), j.error());
    }
    t.print(System.out);
    return 0;
  }
}
