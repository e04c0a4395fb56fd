package dev.tessera.offline.imports;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Parquet rows through parquet-avro, in the file's own schema (an Avro schema stored in the file, or
 * the one parquet-avro derives from the Parquet schema). INT96 timestamps (Spark, Hive, Impala) come
 * as 12-byte fixed values, which {@link PlainValues} turns into epoch millis. Rows are numbered from
 * 1 in file order.
 */
final class ParquetRowReader extends InputReader {
    private final ParquetReader<GenericRecord> reader;
    private final long rows;
    private long number;

    ParquetRowReader(Path file) throws IOException {
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(file))) {
            this.rows = footer.getRecordCount();
        } catch (IOException | RuntimeException e) {
            throw new TesseraException("input file " + file + " is not a readable Parquet file: " + e.getMessage()
                    + "; give --format if its name does not say what it is", e);
        }
        this.reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
                .withDataModel(GenericData.get())
                .set(AvroReadSupport.READ_INT96_AS_FIXED, "true")
                .build();
    }

    @Override
    InputRow next() throws IOException {
        GenericRecord r = reader.read();
        if (r == null) {
            return null;
        }
        number++;
        return new InputRow.ParquetRow(r);
    }

    @Override
    long number() {
        return number;
    }

    @Override
    String unit() {
        return "row";
    }

    @Override
    double progress() {
        return rows == 0 ? 1.0 : Math.min(1.0, (double) number / rows);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
