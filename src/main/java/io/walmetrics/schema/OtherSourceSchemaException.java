package io.walmetrics.schema;

/**
 * A {@code --schema} other than the one the database was followed with ({@code source_identity}):
 * loading it would put the changes of other tables beside those of the database's sources.
 */
public final class OtherSourceSchemaException extends RuntimeException {

    public OtherSourceSchemaException(String recorded, String requested) {
        super("the sources of this database are the tables of schema " + recorded + " (follow recorded it in"
                + " source_identity), not of --schema " + requested + ": leave --schema out, or load into another --db");
    }
}
