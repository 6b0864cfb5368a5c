package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonLocation;
import java.io.IOException;

/**
 * Well-formed JSON that is not wal2json records, and where it stands. {@link WalReader} turns it
 * into a {@link WalFormatException} naming the input and the batch, which the pieces that find the
 * problem do not know.
 */
final class NotWalException extends IOException {

    private final long line;
    private final long column;

    NotWalException(String reason, JsonLocation where) {
        super(reason);
        this.line = where.getLineNr();
        this.column = where.getColumnNr();
    }

    String reason() {
        return getMessage();
    }

    long line() {
        return line;
    }

    long column() {
        return column;
    }
}
