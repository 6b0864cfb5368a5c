package io.walmetrics.schema;

/** A column of a source table as the migrations declare it. */
public record SourceColumn(String name, int ordinal, String pgType, ColumnKind kind) {
}
