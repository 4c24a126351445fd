package ai.temper.engine.train;

import java.nio.file.Path;

/** How a run ended: its id, the steps done and the last checkpoint written. */
public record TrainResult(long runId, int steps, int totalSteps, Path checkpoint) {}
