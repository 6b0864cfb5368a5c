package io.walmetrics.report;

import io.walmetrics.schema.ProjectFiles;
import io.walmetrics.schema.SqlHeader;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The dashboard's views (migrations/009), read with the queries of {@code sql/views/}: one
 * section per file, in the files' number order, each with the bar chart the HTML page draws, as
 * the file's header defines them (see {@link Section.Definition#of}).
 */
public final class Dashboard {

    /** The files of sql/views/, in number order, the order the report prints them; each header defines its section. */
    public static final List<Section.Definition> SECTIONS = ProjectFiles.listSql("sql/views").stream()
            .map(file -> Section.Definition.of(file, SqlHeader.of("sql/views/" + file, ProjectFiles.read("sql/views/" + file))))
            .toList();

    private final String source;
    private final long metricRows;
    private final List<Section> sections;

    private Dashboard(String source, long metricRows, List<Section> sections) {
        this.source = source;
        this.metricRows = metricRows;
        this.sections = sections;
    }

    /** Runs every query of sql/views/ on the handle. {@code source} names the database in the output. */
    public static Dashboard read(Handle handle, String source) {
        List<Section> sections = new ArrayList<>();
        for (Section.Definition definition : SECTIONS) {
            sections.add(query(handle, definition));
        }
        long rows = handle.createQuery("select count(*) from metrics").mapTo(Long.class).one();
        return new Dashboard(source, rows, Collections.unmodifiableList(sections));
    }

    public String source() {
        return source;
    }

    public long metricRows() {
        return metricRows;
    }

    public List<Section> sections() {
        return sections;
    }

    private static Section query(Handle handle, Section.Definition definition) {
        String resource = "sql/views/" + definition.file();
        String sql = ProjectFiles.read(resource);
        try (Statement statement = handle.getConnection().createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
            }
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(Collections.unmodifiableList(row));
            }
            return new Section(definition, List.copyOf(columns), Collections.unmodifiableList(rows));
        } catch (SQLException e) {
            throw new IllegalStateException(resource + ": " + e.getMessage(), e);
        }
    }
}
