package ai.temper.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module rules of ARCHITECTURE.md, checked on the compiled main classes. */
class ArchitectureTest {
  static JavaClasses main;

  @BeforeAll
  static void load() {
    // test classes come from target/test-classes or, in a full build, the engine's test jar
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("ai.temper");
  }

  @Test
  void theEngineKnowsNoJavaFxAndNoViews() {
    noClasses().that().resideInAPackage("ai.temper.engine..").should().dependOnClassesThat()
        .resideInAnyPackage("javafx..", "org.controlsfx..", "ai.temper.views..",
            "ai.temper.app..")
        .check(main);
  }

  @Test
  void viewsUseNeitherLibtorchNorSqlNorTheApp() {
    noClasses().that().resideInAPackage("ai.temper.views..").should().dependOnClassesThat()
        .resideInAnyPackage("ai.djl..", "java.sql..", "ai.temper.app..")
        .check(main);
  }

  /**
   * Pages ask the workbench's services ({@code datasets()}, {@code runs()}, {@code chats()},
   * ...), never the database or a repository; the rows those return are fine to hold.
   */
  @Test
  void viewsReachTheDatabaseOnlyThroughTheWorkbenchServices() {
    noClasses().that().resideInAPackage("ai.temper.views..").should().dependOnClassesThat()
        .haveFullyQualifiedName("ai.temper.engine.store.Database")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("ai.temper.engine.store.Sql")
        .orShould().dependOnClassesThat().haveSimpleNameEndingWith("Repository")
        .check(main);
  }

  @Test
  void viewModelsHoldNoNodesAndNeverHopThreadsThemselves() {
    noClasses().that().haveSimpleNameEndingWith("ViewModel").should().dependOnClassesThat()
        .resideInAnyPackage("javafx.scene..", "javafx.stage..", "javafx.animation..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName(
            "javafx.application.Platform")
        .check(main);
  }

  /** Pages hop to the FX thread through {@code UiExecutor}, the one place that calls Platform. */
  @Test
  void onlyTheUiExecutorPostsToTheFxThread() {
    noClasses().that().resideInAPackage("ai.temper.views..")
        .and().doNotHaveFullyQualifiedName("ai.temper.views.common.UiExecutor")
        .should().callMethod("javafx.application.Platform", "runLater", "java.lang.Runnable")
        .check(main);
  }

  @Test
  void onlyTheBackgroundTaskAndTheStatusBarListenToJobs() {
    noClasses().that().resideInAPackage("ai.temper.views..")
        .and().doNotHaveFullyQualifiedName("ai.temper.views.common.BackgroundTask")
        .and().doNotHaveFullyQualifiedName("ai.temper.views.shell.ShellViewModel")
        .should().dependOnClassesThat()
        .haveFullyQualifiedName("ai.temper.engine.jobs.JobListener")
        .check(main);
  }

  @Test
  void modulesAreFreeOfCycles() {
    slices().matching("ai.temper.(*)..").should().beFreeOfCycles().check(main);
  }

  /**
   * The engine's packages (sub-packages fold into their parent) depend on each other one way.
   * The root package (Workbench, Json, TemperException) belongs to no slice: the workbench
   * wires the services of every package, e.g. checkpoint evaluation into training runs.
   */
  @Test
  void enginePackagesAreFreeOfCycles() {
    slices().matching("ai.temper.engine.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void featurePagesDoNotReachIntoEachOther() {
    slices().matching("ai.temper.views.(*)..").should().notDependOnEachOther()
        .ignoreDependency(DescribedPredicate.alwaysTrue(), JavaClass.Predicates
            .resideInAnyPackage("ai.temper.views.common..", "ai.temper.views.shell.."))
        .check(main);
  }
}
