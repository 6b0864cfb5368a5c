package io.walmetrics.wal;

import java.io.IOException;

/** The input is not well-formed JSON or not WAL records; nothing of the batch in hand applies. */
public final class WalFormatException extends IOException {

    private final String input;
    private final int batchNo;
    private final long line;
    private final long column;
    private final String reason;

    public WalFormatException(String input, int batchNo, long line, long column, String reason, Throwable cause) {
        super(input + ": line " + line + ", column " + column
                + (batchNo > 0 ? " (batch " + batchNo + ")" : "") + ": " + reason, cause);
        this.input = input;
        this.batchNo = batchNo;
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    public String input() {
        return input;
    }

    public int batchNo() {
        return batchNo;
    }

    public long line() {
        return line;
    }

    public long column() {
        return column;
    }

    public String reason() {
        return reason;
    }
}
