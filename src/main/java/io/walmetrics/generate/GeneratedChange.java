package io.walmetrics.generate;

import java.util.Map;
import java.util.Set;

/**
 * One change the generator emits, in source terms.
 *
 * @param values  column to value (String, Long, Boolean, {@link JsonText} or null), source names
 * @param omitted columns left out, as wal2json leaves out an unchanged TOAST value
 * @param oldKey  the key in oldkeys, or null for none
 * @param fullIdentity oldkeys holds the whole old row (REPLICA IDENTITY FULL) rather than the key
 */
record GeneratedChange(String kind, String source, Map<String, Object> values, Set<String> omitted,
                       String oldKey, Map<String, Object> fullIdentity) {

    /** A jsonb value: wal2json writes its JSON text as a string. */
    record JsonText(String text) {
    }
}
