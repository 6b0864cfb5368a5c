package io.walmetrics.schema;

/** A database of this loader whose schema is not this jar's: the commands that only read say which command upgrades it. */
public final class OutOfDateDatabaseException extends RuntimeException {

    public OutOfDateDatabaseException(String message) {
        super(message);
    }
}
