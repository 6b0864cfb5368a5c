package io.walmetrics.schema;

/** A file that is not a database of this loader: every command refuses it and leaves it as it is. */
public final class NotALoaderDatabaseException extends RuntimeException {

    public NotALoaderDatabaseException(DatabaseFile file) {
        super(file.refusal());
    }
}
