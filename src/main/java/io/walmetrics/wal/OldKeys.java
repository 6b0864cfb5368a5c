package io.walmetrics.wal;

import java.util.List;

/** The {@code oldkeys} of an update or delete: the replica identity's old values. */
public record OldKeys(List<String> keyNames, List<String> keyTypes, List<WalValue> keyValues) {

    public OldKeys {
        keyNames = List.copyOf(keyNames);
        keyTypes = List.copyOf(keyTypes);
        keyValues = List.copyOf(keyValues);
    }

    /** The old value of the named column, or null when the identity does not hold it. */
    public WalValue valueOf(String columnName) {
        int index = keyNames.indexOf(columnName);
        return index >= 0 && index < keyValues.size() ? keyValues.get(index) : null;
    }
}
