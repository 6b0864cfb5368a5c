package io.walmetrics.staging;

import io.walmetrics.schema.ColumnDrift;
import io.walmetrics.schema.PgTypeName;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceColumn;
import io.walmetrics.schema.SourceTable;
import io.walmetrics.schema.WalTableMapping;
import io.walmetrics.wal.Json;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalValue;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Lands parsed changes into the {@code stg_*} tables, the only work Java does with the data:
 * each value is converted to its column's type (docs/reference.md#type-mapping), and a change that cannot be landed
 * goes to {@code rejected_changes} with its reason. A truncate of a source lands in
 * {@code stg_truncate}, numbered in the same sequence. The fold ({@code transform/GroupFold}) applies
 * the landed changes to current state afterwards, in {@code change_seq} order.
 */
public final class ChangeLander implements AutoCloseable {

    /** Kinds wal2json writes that carry no row change for us; counted as ignored (docs/reference.md#records). */
    private static final Set<String> IGNORED_KINDS = Set.of("message");
    private static final Set<String> ROW_KINDS = Set.of("insert", "update", "delete");
    private static final int METADATA_COLUMNS = 6;
    private static final int FLUSH_EVERY_ROWS = 1_000;

    private final Handle handle;
    private final SourceCatalog catalog;
    private final Map<String, StagingWriter> writers = new HashMap<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final Map<ColumnDrift, Integer> drift = new LinkedHashMap<>();

    private long batchId;
    private long lastChangeSeq;
    private int landed;
    private int ignored;

    public ChangeLander(Handle handle, SourceCatalog catalog) {
        this.handle = handle;
        this.catalog = catalog;
        for (SourceTable source : catalog.sources()) {
            writers.put(source.source(), new StagingWriter(source));
        }
    }

    /** Starts a batch whose changes are numbered after {@code lastChangeSeq}. */
    public void startBatch(long batchId, long lastChangeSeq) {
        this.batchId = batchId;
        this.lastChangeSeq = lastChangeSeq;
        this.landed = 0;
        this.ignored = 0;
        rejections.clear();
        drift.clear();
        writers.values().forEach(StagingWriter::discard);
    }

    public void land(WalChange change) {
        try {
            WalTableMapping mapping = landingTarget(change);
            if (mapping == null) {
                ignored++;
                return;
            }
            if (change.kind().equals(WalChange.TRUNCATE)) {
                landTruncate(change, mapping, lastChangeSeq + 1);
                lastChangeSeq++;
                landed++;
                return;
            }
            Object[] row = stagingRow(change, mapping, lastChangeSeq + 1);
            lastChangeSeq++;
            writers.get(mapping.source().source()).add(row);
            landed++;
        } catch (NotLandableException e) {
            reject(change, e.getMessage());
        }
    }

    @Override
    public void close() {
        writers.values().forEach(StagingWriter::close);
    }

    /** Writes what is still buffered, and says what the batch landed. */
    public LandedBatch finishBatch() {
        writers.values().forEach(StagingWriter::flush);
        drift.forEach(this::recordDrift);
        return new LandedBatch(landed, ignored, rejections.size(), lastChangeSeq,
                drift.keySet().stream().map(ColumnDrift::brief).toList(), rejections);
    }

    /** Changes of the batch in hand rejected so far. */
    public int rejectedCount() {
        return rejections.size();
    }

    public Rejection lastRejection() {
        return rejections.isEmpty() ? null : rejections.get(rejections.size() - 1);
    }

    /**
     * Whether {@link #land} lands or rejects the change, rather than ignoring it (another table, another
     * schema, a logical-decoding message): the changes a record's hash covers, so that the same
     * transaction hashes the same whether other tables' or schemas' changes came with it or not.
     */
    public boolean landsOrRejects(WalChange change) {
        try {
            return landingTarget(change) != null;
        } catch (NotLandableException rejected) {
            return true;
        }
    }

    /** The table to land in, or null for a change we do not land (other tables, other schemas, other kinds). */
    private WalTableMapping landingTarget(WalChange change) throws NotLandableException {
        if (change.malformed() != null) {
            throw new NotLandableException(change.malformed());
        }
        if (change.kind() == null) {
            throw new NotLandableException("the change has no kind");
        }
        if (IGNORED_KINDS.contains(change.kind())) {
            return null;
        }
        if (change.table() == null) {
            throw new NotLandableException("a " + change.kind() + " that names no table");
        }
        WalTableMapping mapping = catalog.walTable(change.schema(), change.table());
        if (mapping == null) {
            return null;
        }
        if (change.kind().equals(WalChange.TRUNCATE)) {
            // a truncate handed over already parsed (follow's) is held to what the parser holds a file's to
            if (!change.columnNames().isEmpty() || !change.columnTypes().isEmpty() || !change.columnValues().isEmpty()
                    || change.oldKeys() != null) {
                throw new NotLandableException(WalChange.TRUNCATE_WITH_ROW);
            }
            return mapping;
        }
        if (!ROW_KINDS.contains(change.kind())) {
            throw new NotLandableException("unknown kind \"" + change.kind() + "\" for table " + change.table());
        }
        return mapping;
    }

    /** The whole truncate, in the change sequence: the fold empties the source at this point. */
    private void landTruncate(WalChange change, WalTableMapping mapping, long changeSeq) {
        handle.createUpdate("""
                        insert into stg_truncate (change_seq, batch_id, record_no, change_no, source, wal_schema, wal_table)
                        values (:change_seq, :batch_id, :record_no, :change_no, :source, :wal_schema, :wal_table)""")
                .bind("change_seq", changeSeq)
                .bind("batch_id", batchId)
                .bind("record_no", change.position().recordNo())
                .bind("change_no", change.position().changeNo())
                .bind("source", mapping.source().source())
                .bind("wal_schema", change.schema())
                .bind("wal_table", change.table())
                .execute();
    }

    private Object[] stagingRow(WalChange change, WalTableMapping mapping, long changeSeq) throws NotLandableException {
        SourceTable source = mapping.source();
        List<SourceColumn> columns = source.columns();
        Object[] row = new Object[METADATA_COLUMNS + columns.size() + 2];
        row[0] = changeSeq;
        row[1] = batchId;
        row[2] = change.position().recordNo();
        row[3] = change.position().changeNo();
        row[4] = change.kind();
        row[5] = oldKey(change, mapping);
        if (change.kind().equals("delete")) {
            return row;
        }

        List<String> names = change.columnNames();
        List<String> types = change.columnTypes();
        List<WalValue> values = change.columnValues();
        if (names.size() != values.size() || !types.isEmpty() && types.size() != names.size()) {
            throw new NotLandableException("columnnames has " + names.size() + " names, columntypes "
                    + types.size() + " types and columnvalues " + values.size() + " values");
        }
        boolean[] carried = new boolean[columns.size()];
        Map<String, String> extraColumns = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String walName = names.get(i);
            String observedType = types.isEmpty() ? "unknown" : PgTypeName.unqualified(types.get(i), change.schema());
            SourceColumn column = mapping.sourceColumn(walName);
            if (column == null) {
                // a column the migrations do not know: kept whole, reported as drift
                if (extraColumns.put(walName, values.get(i).toJson()) != null) {
                    throw new NotLandableException("column " + walName + " appears twice");
                }
                noteDrift(mapping.walTable(), walName, observedType, null);
                continue;
            }
            int index = column.ordinal() - 1;
            if (carried[index]) {
                throw new NotLandableException("column " + walName + " appears twice");
            }
            carried[index] = true;
            if (!observedType.equals(column.pgType()) && !types.isEmpty()) {
                noteDrift(mapping.walTable(), walName, observedType, column.pgType());
            }
            try {
                row[METADATA_COLUMNS + index] = ValueConverter.convert(values.get(i), column.kind());
            } catch (NotLandableException unfit) {
                throw new NotLandableException("column " + walName + " of " + mapping.walTable() + ": " + unfit.getMessage());
            }
        }

        SourceColumn key = source.column(source.keyColumn());
        if (!carried[key.ordinal() - 1]) {
            throw new NotLandableException("the " + change.kind() + " carries no key column " + mapping.walKeyColumn());
        }
        if (row[METADATA_COLUMNS + key.ordinal() - 1] == null) {
            throw new NotLandableException("key column " + mapping.walKeyColumn() + " is null");
        }
        List<String> missing = new ArrayList<>();
        for (SourceColumn column : columns) {
            if (!carried[column.ordinal() - 1]) {
                missing.add(column.name());
            }
        }
        row[row.length - 2] = missing.isEmpty() ? null : Json.arrayOfStrings(missing);
        row[row.length - 1] = extraColumns.isEmpty() ? null : Json.objectOfRawValues(extraColumns);
        return row;
    }

    /** The key from oldkeys, found by name (the identity may hold every column); null without oldkeys. */
    private static String oldKey(WalChange change, WalTableMapping mapping) throws NotLandableException {
        if (change.oldKeys() == null) {
            if (change.kind().equals("delete")) {
                throw new NotLandableException("a delete without oldkeys");
            }
            return null;
        }
        WalValue old = change.oldKeys().valueOf(mapping.walKeyColumn());
        if (old == null) {
            throw new NotLandableException("oldkeys does not hold the key column " + mapping.walKeyColumn());
        }
        if (old.isNull()) {
            throw new NotLandableException("key column " + mapping.walKeyColumn() + " in oldkeys is null");
        }
        return ValueConverter.keyText(old);
    }

    private void reject(WalChange change, String reason) {
        long changeSeq = ++lastChangeSeq;
        handle.createUpdate("""
                        insert into rejected_changes (change_seq, batch_id, record_no, change_no, wal_table, kind, reason, raw_json)
                        values (:change_seq, :batch_id, :record_no, :change_no, :wal_table, :kind, :reason, :raw_json)""")
                .bind("change_seq", changeSeq)
                .bind("batch_id", batchId)
                .bind("record_no", change.position().recordNo())
                .bind("change_no", change.position().changeNo())
                .bind("wal_table", change.table())
                .bind("kind", change.kind())
                .bind("reason", reason)
                .bind("raw_json", change.toJson())
                .execute();
        rejections.add(new Rejection(change.position(), change.table(), reason));
    }

    private void noteDrift(String walTable, String column, String observedType, String declaredType) {
        drift.merge(new ColumnDrift(walTable, column, observedType, declaredType), 1, Integer::sum);
    }

    private void recordDrift(ColumnDrift column, int changes) {
        handle.createUpdate("""
                        insert into schema_drift (wal_table, column_name, observed_type, expected_type, first_batch_id, last_batch_id, changes)
                        values (:wal_table, :column_name, :observed_type, :expected_type, :batch_id, :batch_id, :changes)
                        on conflict (wal_table, column_name, observed_type) do update set
                            last_batch_id = excluded.last_batch_id,
                            changes = changes + excluded.changes""")
                .bind("wal_table", column.walTable())
                .bind("column_name", column.column())
                .bind("observed_type", column.observedType())
                .bind("expected_type", column.declaredType())
                .bind("batch_id", batchId)
                .bind("changes", changes)
                .execute();
    }

    /**
     * Buffers the rows of one staging table and inserts them in landing order, as a JDBC batch of
     * a statement prepared once on the handle's connection: binding each of a row's thirty-odd
     * values through JDBI's argument factories cost more than the insert.
     */
    private final class StagingWriter implements AutoCloseable {

        private final String insertSql;
        private PreparedStatement insert;
        private int buffered;

        StagingWriter(SourceTable source) {
            List<String> columns = source.stagingColumns();
            this.insertSql = "insert into " + source.stagingTable() + " (" + String.join(", ", columns)
                    + ") values (" + columns.stream().map(column -> "?").collect(Collectors.joining(", ")) + ")";
        }

        void add(Object[] row) {
            try {
                if (insert == null) {
                    insert = handle.getConnection().prepareStatement(insertSql);
                }
                for (int i = 0; i < row.length; i++) {
                    Object value = row[i];
                    if (value == null) {
                        insert.setNull(i + 1, Types.NULL);
                    } else if (value instanceof String text) {
                        insert.setString(i + 1, text);
                    } else if (value instanceof Long number) {
                        insert.setLong(i + 1, number);
                    } else if (value instanceof Integer number) {
                        insert.setInt(i + 1, number);
                    } else {
                        insert.setDouble(i + 1, (Double) value);
                    }
                }
                insert.addBatch();
            } catch (SQLException e) {
                throw new UnableToExecuteStatementException(insertSql + ": " + e.getMessage(), e, null);
            }
            if (++buffered >= FLUSH_EVERY_ROWS) {
                flush();
            }
        }

        void flush() {
            if (buffered > 0) {
                try {
                    insert.executeBatch();
                } catch (SQLException e) {
                    throw new UnableToExecuteStatementException(e.getMessage(), e, null);
                }
            }
            buffered = 0;
        }

        /** Forgets rows buffered for a batch that will not be applied. */
        void discard() {
            if (insert != null && buffered > 0) {
                try {
                    insert.clearBatch();
                } catch (SQLException e) {
                    throw new UnableToExecuteStatementException(e.getMessage(), e, null);
                }
            }
            buffered = 0;
        }

        @Override
        public void close() {
            if (insert != null) {
                try {
                    insert.close();
                } catch (SQLException ignored) {
                    // closing the connection finalizes it anyway
                }
            }
        }
    }
}
