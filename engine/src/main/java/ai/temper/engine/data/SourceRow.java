package ai.temper.engine.data;

import com.fasterxml.jackson.databind.JsonNode;

/** One record of a source file: its position and either its JSON or why it could not be read. */
record SourceRow(long line, JsonNode node, String error) {}
