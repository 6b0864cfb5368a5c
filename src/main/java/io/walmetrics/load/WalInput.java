package io.walmetrics.load;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where WAL records come from.
 *
 * @param displayName what messages call it
 * @param ledgerName  what the ledger remembers it by: the file's real path, or "-" for stdin
 */
public record WalInput(String displayName, String ledgerName, InputStream stream) {

    public static final String STDIN = "-";

    public static WalInput of(String argument) throws IOException {
        if (STDIN.equals(argument)) {
            return new WalInput("<stdin>", STDIN, new BufferedInputStream(System.in, 1 << 16));
        }
        Path path = Path.of(argument);
        // a FileInputStream, not Files.newInputStream: the latter's available() asks the channel
        // for its position, which a named pipe does not have ("Illegal seek")
        return new WalInput(argument, path.toRealPath().toString(),
                new BufferedInputStream(new FileInputStream(path.toFile()), 1 << 16));
    }

    /** Standard input has no stable positions: a new stream restarts at batch 1. */
    public boolean isStdin() {
        return STDIN.equals(ledgerName);
    }
}
