package io.walmetrics.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Writes batches of WAL records in the seed's shape: a JSON array of batches of records. */
public final class WalFile {

    private final List<List<List<Change>>> batches = new ArrayList<>();

    /** Starts a new batch (one minute); records added after this go into it. */
    public WalFile batch() {
        batches.add(new ArrayList<>());
        return this;
    }

    /** Adds one WAL record (one PostgreSQL transaction) holding the given changes, in order. */
    public WalFile record(Change... changes) {
        if (batches.isEmpty()) {
            batch();
        }
        batches.get(batches.size() - 1).add(List.of(changes));
        return this;
    }

    public int batchCount() {
        return batches.size();
    }

    public String toJson() {
        return batches.stream()
                .map(batch -> batch.stream().map(WalFile::recordJson).collect(Collectors.joining(",\n ", "[", "]")))
                .collect(Collectors.joining(",\n", "[", "]\n"));
    }

    /** The records one per line, as pg_recvlogical writes them. */
    public String toStream() {
        return batches.stream().flatMap(List::stream).map(WalFile::recordJson)
                .collect(Collectors.joining("\n", "", "\n"));
    }

    public Path writeTo(Path file) {
        try {
            Files.writeString(file, toJson(), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String recordJson(List<Change> changes) {
        return changes.stream().map(Change::toJson).collect(Collectors.joining(",", "{\"change\":[", "]}"));
    }
}
