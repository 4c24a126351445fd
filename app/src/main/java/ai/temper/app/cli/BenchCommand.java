package ai.temper.app.cli;

import picocli.CommandLine.Command;

/** {@code temper bench ...}: speed measurements; results as a table on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure the engine's speed.",
    subcommands = {BenchTrainCommand.class})
public final class BenchCommand {
}
