package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Where batches and records begin and end in the token stream (docs/reference.md#file-shapes),
 * found from the tokens themselves: an array of arrays is a list of batches; an array of records
 * is one batch (or {@code batchSize} records a batch); top-level record values (newline-delimited
 * or concatenated, as pg_recvlogical writes) are grouped {@code batchSize} at a time, one by
 * default, and a top-level array among them is a batch. Each element of a record's {@code change}
 * array goes to the {@link ChangeParser}; the tokens of the records go into the batch digest.
 */
final class BatchFramer {

    /** Where the records of the batch in hand come from. */
    private enum Frame {
        /** An inner array of an array of batches: its records, all of them. */
        BATCH_ARRAY,
        /** An array of records, {@code limit} records at a time. */
        RECORD_ARRAY,
        /** Top-level record values, {@code limit} at a time. */
        TOP_LEVEL_RECORDS
    }

    /** The top-level array being read through, between batches. */
    private enum Outer { NONE, BATCH_LIST, RECORD_ARRAY }

    /** Where in a record the reader stands. */
    private enum InRecord { OUTSIDE, FIELDS, CHANGE_ARRAY }

    private final WalTokens tokens;
    private final ChangeParser changes;
    private final BatchDigest digest;
    private final Integer batchSize;
    private final LsnRangeCollector lsns = new LsnRangeCollector();

    private Outer outer = Outer.NONE;
    private Frame frame;
    private int limit;
    private boolean batchOpen;
    private boolean batchEnded;
    private int batchNo;
    private int recordNo;
    private int changeNo;
    private InRecord inRecord = InRecord.OUTSIDE;
    private boolean recordHasChanges;
    /** The nextlsn of the record in hand, once read; null before it or when the record has none. */
    private Lsn recordLsn;
    /** The last position read in the input, and the record that carried it: positions grow within an input. */
    private Lsn previousLsn;
    private int previousBatchNo;
    private int previousRecordNo;

    BatchFramer(WalTokens tokens, ChangeParser changes, BatchDigest digest, Integer batchSize) {
        this.tokens = tokens;
        this.changes = changes;
        this.digest = digest;
        this.batchSize = batchSize;
    }

    /** Opens the next batch; false at the end of the input. The batch before must have been read to its end. */
    boolean openNextBatch() throws IOException {
        batchOpen = false;
        while (true) {
            if (outer == Outer.RECORD_ARRAY) {
                if (tokens.peek() == JsonToken.START_OBJECT) {
                    return startBatch(Frame.RECORD_ARRAY, batchSize == null ? Integer.MAX_VALUE : batchSize);
                }
                expect(tokens.take(), JsonToken.END_ARRAY, "a WAL record");
                outer = Outer.NONE;
                continue;
            }
            if (outer == Outer.BATCH_LIST) {
                JsonToken token = tokens.take();
                if (token == JsonToken.START_ARRAY) {
                    return startBatch(Frame.BATCH_ARRAY, Integer.MAX_VALUE);
                }
                expect(token, JsonToken.END_ARRAY, "a batch (an array of WAL records)");
                outer = Outer.NONE;
                continue;
            }
            JsonToken token = tokens.peek();
            if (token == null) {
                return false;
            }
            if (token == JsonToken.START_OBJECT) {
                return startBatch(Frame.TOP_LEVEL_RECORDS, batchSize == null ? 1 : batchSize);
            }
            expect(tokens.take(), JsonToken.START_ARRAY, "a WAL record or an array of them");
            JsonToken first = tokens.peek();
            if (first == JsonToken.START_ARRAY) {
                outer = Outer.BATCH_LIST;
            } else if (first == JsonToken.START_OBJECT) {
                outer = Outer.RECORD_ARRAY;
            } else {
                // an empty top-level array holds no batch; anything else is not WAL
                expect(tokens.take(), JsonToken.END_ARRAY, "a WAL record or a batch");
            }
        }
    }

    /** The next change of the batch in hand, or null when it has no more: then the batch is ended and hashed. */
    WalChange nextChange() throws IOException {
        if (!batchOpen || batchEnded) {
            return null;
        }
        WalChange change = readNextChange();
        if (change == null) {
            batchEnded = true;
            digest.endBatch();
        }
        return change;
    }

    boolean batchOpen() {
        return batchOpen;
    }

    /** True once the batch in hand (or, between batches, the one before) was read to its end. */
    boolean batchEnded() {
        return batchEnded;
    }

    int batchNo() {
        return batchNo;
    }

    int recordNo() {
        return recordNo;
    }

    LsnRange batchLsnRange() {
        return lsns.range();
    }

    private boolean startBatch(Frame batchFrame, int recordLimit) {
        frame = batchFrame;
        limit = recordLimit;
        batchOpen = true;
        batchEnded = false;
        batchNo++;
        recordNo = 0;
        changeNo = 0;
        lsns.startBatch();
        digest.startBatch();
        return true;
    }

    private WalChange readNextChange() throws IOException {
        while (true) {
            switch (inRecord) {
                case CHANGE_ARRAY -> {
                    JsonToken token = tokens.take();
                    if (token == JsonToken.END_ARRAY) {
                        inRecord = InRecord.FIELDS;
                        continue;
                    }
                    changeNo++;
                    return changes.parse(token, new ChangePosition(batchNo, recordNo, changeNo), recordLsn);
                }
                case FIELDS -> readRecordField();
                case OUTSIDE -> {
                    if (!startNextRecord()) {
                        return null;
                    }
                }
            }
        }
    }

    /** Reads one field of the record in hand, or its end; at {@code change} stops at the array's start. */
    private void readRecordField() throws IOException {
        JsonToken token = tokens.take();
        if (token == JsonToken.END_OBJECT) {
            inRecord = InRecord.OUTSIDE;
            tokens.hashing(false);
            if (!recordHasChanges) {
                throw tokens.problem("record " + recordNo + " of batch " + batchNo + " has no \"change\" array");
            }
            lsns.record(recordLsn);
            return;
        }
        String field = tokens.fieldName();
        JsonToken value = tokens.take();
        if ("change".equals(field)) {
            expect(value, JsonToken.START_ARRAY, "the \"change\" array");
            recordHasChanges = true;
            inRecord = InRecord.CHANGE_ARRAY;
        } else if ("nextlsn".equals(field)) {
            recordLsn = readRecordLsn(value);
        } else {
            tokens.skipValue(value);
        }
    }

    /** Positions on the next record of the batch; false when the batch has no more. */
    private boolean startNextRecord() throws IOException {
        if (recordNo >= limit) {
            return false;
        }
        JsonToken token = tokens.peek();
        switch (frame) {
            case BATCH_ARRAY -> {
                if (token == JsonToken.END_ARRAY) {
                    tokens.take();
                    return false;
                }
            }
            case RECORD_ARRAY -> {
                if (token == JsonToken.END_ARRAY) {
                    return false; // openNextBatch closes the array
                }
            }
            case TOP_LEVEL_RECORDS -> {
                if (token != JsonToken.START_OBJECT) {
                    return false; // end of input, or a top-level array that is a batch of its own
                }
            }
        }
        tokens.hashing(true);
        expect(tokens.take(), JsonToken.START_OBJECT, "a WAL record (a JSON object)");
        recordNo++;
        changeNo = 0;
        inRecord = InRecord.FIELDS;
        recordHasChanges = false;
        recordLsn = null;
        return true;
    }

    private Lsn readRecordLsn(JsonToken value) throws IOException {
        Lsn lsn = value == JsonToken.VALUE_STRING ? Lsn.parse(tokens.text()) : null;
        if (lsn == null) {
            String found = value == JsonToken.VALUE_STRING ? Json.quote(tokens.text()) : FormatErrors.describe(value);
            throw tokens.problem("record " + recordNo + " of batch " + batchNo + ": nextlsn " + found
                    + " is not a PostgreSQL LSN (X/Y, two hexadecimal numbers)");
        }
        // here, not only in LsnRule: the framer meets every record, those of batches skipped whole and those without changes too
        if (previousLsn != null && !lsn.isAfter(previousLsn)) {
            throw tokens.problem("record " + recordNo + " of batch " + batchNo + ": nextlsn " + lsn + " does not follow"
                    + " nextlsn " + previousLsn + " of record " + previousRecordNo + " of batch " + previousBatchNo
                    + ": positions must grow within an input");
        }
        previousLsn = lsn;
        previousBatchNo = batchNo;
        previousRecordNo = recordNo;
        return lsn;
    }

    private void expect(JsonToken actual, JsonToken expected, String what) throws NotWalException {
        if (actual != expected) {
            throw tokens.problem("expected " + what + ", found " + FormatErrors.describe(actual));
        }
    }
}
