package io.walmetrics.sink;

/** The index refused a document for good (400: a mapping conflict, a field the strict mapping lacks). */
public final class MappingException extends RuntimeException {

    private final String documentId;
    private final String field;

    MappingException(String documentId, long batch, String field, String type, String reason) {
        // one line, whatever the node's reason holds
        super(("document " + documentId + " (batch " + batch + "): field " + field + ": " + type + ": " + reason)
                .replaceAll("\\s*\\R\\s*", " "));
        this.documentId = documentId;
        this.field = field;
    }

    public String documentId() {
        return documentId;
    }

    public String field() {
        return field;
    }
}
