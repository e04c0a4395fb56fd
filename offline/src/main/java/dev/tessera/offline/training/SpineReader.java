package dev.tessera.offline.training;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tessera.api.TesseraException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads a spine (SPEC §5a) row by row, in file order: CSV with a header line, or Parquet. Values
 * come as read: strings from CSV, Avro values from Parquet ({@code Utf8} turned into {@code String},
 * bytes into {@code byte[]}). Streams: nothing but the current row is held.
 */
abstract class SpineReader implements Closeable {
    /** Column names, in file order. */
    abstract List<String> columns();

    /** The Avro schema of column {@code i} as the output should carry it (nullable). */
    abstract Schema columnSchema(int i);

    /** The next row (one value per column), or null at the end. */
    abstract Object[] next() throws IOException;

    /** Where the row last returned by {@link #next()} is, for messages ("line 12", "row 12"). */
    abstract String where();

    /** What the file is to the user, in messages ("spine", "training set"). */
    String role = "spine";

    static SpineReader open(Path file) throws IOException {
        return open(file, "spine");
    }

    /** As {@link #open(Path)}, naming the file {@code role} in messages ("training set"). */
    static SpineReader open(Path file, String role) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TesseraException(role + " file " + file + " does not exist or is not a file; pass a CSV (with a header line) or a Parquet file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        SpineReader r = name.endsWith(".parquet") || name.endsWith(".pq") ? new ParquetSpine(file, role) : new CsvSpine(file, role);
        r.role = role;
        return r;
    }

    static Schema nullable(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            List<Schema> types = new ArrayList<>();
            types.add(Schema.create(Schema.Type.NULL));
            for (Schema branch : s.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    types.add(branch); // null first, so the column can default to null
                }
            }
            return Schema.createUnion(types);
        }
        if (s.getType() == Schema.Type.NULL) {
            return s;
        }
        return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
    }

    private static final class CsvSpine extends SpineReader {
        private final Path file;
        private final MappingIterator<String[]> rows;
        private final List<String> columns;
        private long line;

        CsvSpine(Path file, String role) throws IOException {
            this.file = file;
            CsvMapper mapper = new CsvMapper();
            mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
            rows = mapper.readerFor(String[].class).with(CsvSchema.emptySchema()).readValues(file.toFile());
            if (!rows.hasNext()) {
                throw new TesseraException(role + " " + file + " is empty: the first line must name the columns (the entity keys, ts, any labels)");
            }
            String[] header = rows.next();
            columns = new ArrayList<>();
            for (String h : header) {
                String c = h.strip();
                if (!c.isEmpty() && c.charAt(0) == '\uFEFF') {
                    c = c.substring(1); // a byte-order mark some spreadsheets write
                }
                if (columns.contains(c)) {
                    throw new TesseraException(role + " " + file + " line 1: column '" + c + "' appears twice; give each column its own name"
                            + (role.equals("spine") ? "" : " (was it built from a spine that already had that column? build it again"
                            + " from the spine's key, ts and label columns)"));
                }
                columns.add(c);
            }
            line = 1;
        }

        @Override
        List<String> columns() {
            return columns;
        }

        @Override
        Schema columnSchema(int i) {
            return nullable(Schema.create(Schema.Type.STRING));
        }

        @Override
        Object[] next() throws IOException {
            while (rows.hasNext()) {
                String[] r = rows.next();
                line++;
                if (r.length == 0 || (r.length == 1 && r[0].isEmpty())) {
                    continue; // a blank line
                }
                if (r.length > columns.size()) {
                    throw new TesseraException(role + " " + file + " " + where() + ": " + r.length + " fields but the header names "
                            + columns.size() + " columns; quote fields that contain commas");
                }
                Object[] out = new Object[columns.size()];
                for (int i = 0; i < r.length; i++) {
                    out[i] = r[i].isEmpty() ? null : r[i];
                }
                return out;
            }
            return null;
        }

        @Override
        String where() {
            return "line " + line;
        }

        @Override
        public void close() throws IOException {
            rows.close();
        }
    }

    private static final class ParquetSpine extends SpineReader {
        private final ParquetReader<GenericRecord> reader;
        private final List<String> columns = new ArrayList<>();
        private final List<Schema> schemas = new ArrayList<>();
        private GenericRecord first;
        private long row;

        ParquetSpine(Path file, String role) throws IOException {
            reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build();
            first = reader.read();
            if (first == null) {
                throw new TesseraException(role + " " + file + " has no rows");
            }
            for (Schema.Field f : first.getSchema().getFields()) {
                columns.add(f.name());
                schemas.add(nullable(f.schema()));
            }
        }

        @Override
        List<String> columns() {
            return columns;
        }

        @Override
        Schema columnSchema(int i) {
            return schemas.get(i);
        }

        @Override
        Object[] next() throws IOException {
            GenericRecord r = first != null ? first : reader.read();
            first = null;
            if (r == null) {
                return null;
            }
            row++;
            Object[] out = new Object[columns.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = plain(r.get(i));
            }
            return out;
        }

        private static Object plain(Object v) {
            if (v instanceof CharSequence cs) {
                return cs.toString();
            }
            if (v instanceof ByteBuffer b) {
                byte[] bytes = new byte[b.remaining()];
                b.duplicate().get(bytes);
                return bytes;
            }
            return v;
        }

        @Override
        String where() {
            return "row " + row;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
