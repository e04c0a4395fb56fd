package dev.tessera.offline.training;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tessera.core.agg.ValueCount;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.MessageType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes training rows: the spine's columns as they were, then one column per feature (SPEC §5a).
 * CSV: null is an empty field, lists are JSON arrays (a top_k entry is {@code {"value","count"}}).
 * Parquet: a feature column's type follows the values it holds (longs → long; longs and doubles →
 * double; booleans → boolean; last_k → list of strings; top_k → list of {value, count}; anything
 * else → string), every column nullable.
 */
abstract class TrainingSetWriter implements Closeable {
    abstract void write(Object[] spine, Object[] features) throws IOException;

    /** A CSV writer; {@code header} false for the parts after the first of an output written in parts. */
    static TrainingSetWriter csv(Path out, List<String> spineColumns, List<String> featureColumns, int[] kinds, boolean header)
            throws IOException {
        return new Csv(out, spineColumns, featureColumns, kinds, header);
    }

    /** Whether a column holding values of {@code kind} (see {@link SpillValues}) is a double column (longs become doubles). */
    static boolean isDoubleColumn(int kind) {
        return (kind & SpillValues.KIND_DOUBLE) != 0 && (kind & ~(SpillValues.KIND_LONG | SpillValues.KIND_DOUBLE)) == 0;
    }

    static TrainingSetWriter parquet(Path out, SpineReader spine, List<String> featureColumns, int[] kinds) throws IOException {
        return new Parquet(out, spine, featureColumns, kinds);
    }

    private static final JsonFactory JSON = new JsonFactory();

    static String json(Object v) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            writeJson(g, v);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    private static void writeJson(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeNull();
            }
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof ValueCount vc) {
            g.writeStartObject();
            g.writeStringField("value", vc.value());
            g.writeNumberField("count", vc.count());
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object item : list) {
                writeJson(g, item);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }

    /** A value as CSV text: null → empty, lists as JSON, bytes as base64. */
    static String text(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof List<?> || v instanceof ValueCount) {
            return json(v);
        }
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        return v.toString();
    }

    private static final class Csv extends TrainingSetWriter {
        private final Writer writer;
        private final CsvGenerator gen;
        private final int[] kinds;

        Csv(Path out, List<String> spineColumns, List<String> featureColumns, int[] kinds, boolean header) throws IOException {
            this.kinds = kinds;
            writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
            CsvSchema.Builder schema = CsvSchema.builder();
            List<String> all = new ArrayList<>(spineColumns);
            all.addAll(featureColumns);
            for (String c : all) {
                schema.addColumn(c);
            }
            CsvMapper mapper = new CsvMapper();
            mapper.enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING); // quote only what needs it, not every long value
            gen = mapper.getFactory().createGenerator(writer);
            gen.setSchema(header ? schema.build().withHeader() : schema.build().withoutHeader());
        }

        @Override
        void write(Object[] spine, Object[] features) throws IOException {
            gen.writeStartArray();
            for (Object v : spine) {
                gen.writeString(text(v));
            }
            for (int i = 0; i < features.length; i++) {
                Object v = features[i];
                gen.writeString(text(v instanceof Long l && isDoubleColumn(kinds[i]) ? (Object) l.doubleValue() : v));
            }
            gen.writeEndArray();
        }

        @Override
        public void close() throws IOException {
            gen.close();
            writer.close();
        }
    }

    /** Row groups a writer buffers in memory: 32 MiB, or less in a small heap (several writers may run at once). */
    static final long ROW_GROUP_BYTES = Math.max(1L << 20, Math.min(32L << 20, Runtime.getRuntime().maxMemory() / 16));
    /**
     * Pages and dictionaries: 1 MiB (Parquet's default), less in a small heap: a dictionary of 1 MiB of
     * short strings (a spine's keys and labels) is several times that in objects until it falls back.
     */
    static final int PAGE_BYTES = (int) Math.max(64L << 10, Math.min(1L << 20, Runtime.getRuntime().maxMemory() / 128));

    /**
     * Joins outputs written in parts (rows in order, each part a whole file of the same columns) into
     * {@code out}: Parquet row groups are copied as they are (no re-encoding), CSV parts appended
     * (only the first has the header).
     */
    static void concat(TrainingSetBuilder.Format format, List<Path> parts, Path out) throws IOException {
        if (format == TrainingSetBuilder.Format.CSV) {
            try (FileChannel to = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (Path part : parts) {
                    try (FileChannel from = FileChannel.open(part, StandardOpenOption.READ)) {
                        long size = from.size();
                        for (long done = 0; done < size; ) {
                            done += from.transferTo(done, size - done, to);
                        }
                    }
                }
            }
            return;
        }
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        MessageType schema;
        Map<String, String> meta;
        try (ParquetFileReader first = ParquetFileReader.open(new LocalInputFile(parts.get(0)), options)) {
            schema = first.getFooter().getFileMetaData().getSchema();
            meta = first.getFooter().getFileMetaData().getKeyValueMetaData();
        }
        Files.deleteIfExists(out);
        ParquetFileWriter w = new ParquetFileWriter(new LocalOutputFile(out), schema, ParquetFileWriter.Mode.OVERWRITE, ROW_GROUP_BYTES, 0);
        w.start();
        for (Path part : parts) {
            w.appendFile(new BulkInputFile(part));
        }
        w.end(meta);
    }

    /**
     * A local file whose stream reads in bulk: {@code LocalInputFile}'s stream has no
     * {@code read(byte[], int, int)}, so copying row groups through it reads byte by byte.
     */
    private record BulkInputFile(Path file) implements InputFile {
        @Override
        public long getLength() throws IOException {
            return Files.size(file);
        }

        @Override
        public SeekableInputStream newStream() throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            return new DelegatingSeekableInputStream(Channels.newInputStream(ch)) {
                @Override
                public long getPos() throws IOException {
                    return ch.position();
                }

                @Override
                public void seek(long newPos) throws IOException {
                    ch.position(newPos);
                }
            };
        }
    }

    private static final class Parquet extends TrainingSetWriter {
        private final Schema schema;
        private final ParquetWriter<GenericRecord> writer;
        private final int spineColumns;
        private final int[] kinds;
        private final Schema[] featureSchemas;

        Parquet(Path out, SpineReader spine, List<String> featureColumns, int[] kinds) throws IOException {
            this.kinds = kinds;
            SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("training_row").namespace("dev.tessera").fields();
            List<String> cols = spine.columns();
            spineColumns = cols.size();
            for (int i = 0; i < cols.size(); i++) {
                fields = fields.name(avroName(cols.get(i))).type(spine.columnSchema(i)).withDefault(null);
            }
            featureSchemas = new Schema[featureColumns.size()];
            List<String> doubles = new ArrayList<>();
            for (int i = 0; i < featureColumns.size(); i++) {
                featureSchemas[i] = SpineReader.nullable(typeOf(kinds[i]));
                fields = fields.name(avroName(featureColumns.get(i))).type(featureSchemas[i]).withDefault(null);
                if (isDoubleColumn(kinds[i])) {
                    doubles.add(avroName(featureColumns.get(i)));
                }
            }
            schema = fields.endRecord();
            Files.deleteIfExists(out);
            AvroParquetWriter.Builder<GenericRecord> b = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(out))
                    .withSchema(schema)
                    .withCompressionCodec(CompressionCodecName.ZSTD)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withRowGroupSize(ROW_GROUP_BYTES)
                    .withPageSize(PAGE_BYTES)
                    .withDictionaryPageSize(PAGE_BYTES);
            for (String d : doubles) {
                // sums and averages rarely repeat: a dictionary would only cost hashing before falling back to plain
                b = b.withDictionaryEncoding(d, false);
            }
            writer = b.build();
        }

        private static Schema typeOf(int kind) {
            if (kind == 0 || kind == SpillValues.KIND_LONG) {
                return Schema.create(kind == 0 ? Schema.Type.STRING : Schema.Type.LONG);
            }
            if (isDoubleColumn(kind)) {
                return Schema.create(Schema.Type.DOUBLE);
            }
            if (kind == SpillValues.KIND_BOOLEAN) {
                return Schema.create(Schema.Type.BOOLEAN);
            }
            if (kind == (SpillValues.KIND_LIST | SpillValues.KIND_VALUE_COUNTS)) {
                Schema entry = SchemaBuilder.record("value_count").namespace("dev.tessera").fields()
                        .requiredString("value").requiredLong("count").endRecord();
                return Schema.createArray(entry);
            }
            if ((kind & ~(SpillValues.KIND_LIST | SpillValues.KIND_OTHER)) == 0) {
                return Schema.createArray(Schema.create(Schema.Type.STRING));
            }
            return Schema.create(Schema.Type.STRING);
        }

        /** Avro names allow letters, digits and underscores: other characters become underscores. */
        static String avroName(String column) {
            StringBuilder sb = new StringBuilder(column.length());
            for (int i = 0; i < column.length(); i++) {
                char c = column.charAt(i);
                boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
                sb.append(ok ? c : '_');
            }
            return sb.toString();
        }

        @Override
        void write(Object[] spine, Object[] features) throws IOException {
            GenericRecord r = new GenericData.Record(schema);
            for (int i = 0; i < spine.length; i++) {
                Object v = spine[i];
                r.put(i, v instanceof byte[] b ? ByteBuffer.wrap(b) : v);
            }
            for (int i = 0; i < features.length; i++) {
                r.put(spineColumns + i, convert(features[i], featureSchemas[i]));
            }
            writer.write(r);
        }

        private static Object convert(Object v, Schema nullableType) {
            if (v == null) {
                return null;
            }
            Schema t = nullableType.getTypes().get(1);
            switch (t.getType()) {
                case LONG:
                    return ((Number) v).longValue();
                case DOUBLE:
                    return ((Number) v).doubleValue();
                case BOOLEAN:
                    return v;
                case ARRAY: {
                    List<Object> out = new ArrayList<>();
                    Schema item = t.getElementType();
                    for (Object o : (List<?>) v) {
                        if (o instanceof ValueCount vc) {
                            GenericRecord e = new GenericData.Record(item);
                            e.put("value", vc.value());
                            e.put("count", vc.count());
                            out.add(e);
                        } else {
                            out.add(o == null ? null : o.toString());
                        }
                    }
                    return out;
                }
                default:
                    return v instanceof String s ? s : text(v);
            }
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }
}
