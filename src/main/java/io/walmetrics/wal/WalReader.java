package io.walmetrics.wal;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads wal2json format-version 1 records as a stream of batches, one token at a time, so that
 * an input larger than memory holds only the change in hand.
 *
 * <p>The work is shared out: {@link BatchFramer} finds the shape and the batches and records
 * (docs/reference.md#file-shapes), {@link ChangeParser} parses each change, {@link BatchDigest}
 * hashes the records' tokens, and {@link FormatErrors} words what is malformed; this class puts
 * them behind {@link BatchSource} and turns every failure into one {@link WalFormatException}.
 *
 * <p>Use: {@code while (reader.nextBatch()) { while ((change = reader.nextChange()) != null) ...;
 * reader.batchHash(); }}. The hash covers the tokens of the batch's records, so it does not
 * depend on whitespace or on which shape carried them.
 */
public final class WalReader implements BatchSource {

    private final WalTokens tokens;
    private final BatchDigest digest = new BatchDigest();
    private final BatchFramer framer;
    private final FormatErrors errors;

    public WalReader(InputStream in, String inputName, Integer batchSize) throws IOException {
        if (batchSize != null && batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1");
        }
        this.tokens = new WalTokens(Json.WAL_RECORDS.createParser(in), digest);
        this.framer = new BatchFramer(tokens, new ChangeParser(tokens), digest, batchSize);
        this.errors = new FormatErrors(inputName);
    }

    /** Moves to the next batch; false at the end of the input. Drains the batch in hand first. */
    @Override
    public boolean nextBatch() throws IOException {
        if (framer.batchOpen() && !framer.batchEnded()) {
            while (nextChange() != null) {
                // draining: the caller did not want the rest of this batch
            }
        }
        try {
            return framer.openNextBatch();
        } catch (JsonProcessingException | NotWalException e) {
            throw wordingOf(e);
        }
    }

    /** The next change of the batch in hand, or null when the batch has no more. */
    @Override
    public WalChange nextChange() throws IOException {
        try {
            return framer.nextChange();
        } catch (JsonProcessingException | NotWalException e) {
            throw wordingOf(e);
        }
    }

    /**
     * SHA-256 over the hashes of every batch from the start of the input to this one: what
     * identifies a batch of standard input, which has no stable position of its own.
     */
    @Override
    public String streamHash() {
        batchHash();
        return digest.streamHash();
    }

    /** True when the input held nothing at all but white space; known once {@link #nextBatch()} gave false. */
    @Override
    public boolean wasEmpty() {
        return !tokens.sawAnyToken();
    }

    @Override
    public int batchNo() {
        return framer.batchNo();
    }

    /** Records read in the batch in hand so far; all of them once {@link #nextChange()} gave null. */
    @Override
    public int recordCount() {
        return framer.recordNo();
    }

    /** SHA-256 of the batch's record tokens, in hex; known once {@link #nextChange()} gave null. */
    @Override
    public String batchHash() {
        if (!framer.batchEnded()) {
            throw new IllegalStateException("the batch has not been read to its end");
        }
        return digest.batchHash();
    }

    /**
     * The source positions of the batch's records: the lowest and highest {@code nextlsn}, and
     * whether every record carried one. Known once {@link #nextChange()} gave null; null when no
     * record of the batch carried a position.
     */
    @Override
    public LsnRange batchLsnRange() {
        batchHash();
        return framer.batchLsnRange();
    }

    /** Where the parser stands, for progress: bytes or characters consumed so far. */
    @Override
    public long offset() {
        return tokens.offset();
    }

    @Override
    public void close() throws IOException {
        tokens.close();
    }

    private WalFormatException wordingOf(IOException e) {
        if (e instanceof NotWalException notWal) {
            return errors.notWal(notWal, framer.batchNo(), framer.batchOpen());
        }
        return errors.notJson((JsonProcessingException) e, tokens.location(), framer.batchNo(), framer.batchOpen());
    }
}
