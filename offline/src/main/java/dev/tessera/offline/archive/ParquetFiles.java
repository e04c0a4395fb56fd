package dev.tessera.offline.archive;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/** Reading and writing the archive's Parquet files (ZSTD, Avro object model, local files without HDFS). */
final class ParquetFiles {
    private ParquetFiles() {
    }

    static ParquetWriter<GenericRecord> writer(Path file, ArchiveSchema schema, long rowGroupBytes) throws IOException {
        return AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withSchema(schema.avro)
                .withDataModel(GenericData.get())
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(rowGroupBytes)
                .withPageSize((int) Math.min(1 << 20, Math.max(64 << 10, rowGroupBytes / 16)))
                .withDictionaryEncoding(ArchiveSchema.RAW, false)
                .withDictionaryEncoding(ArchiveSchema.OFFSET, false)
                .withDictionaryEncoding(ArchiveSchema.ID, false) // unique per event: a dictionary only costs
                .withExtraMetaData(schema.fileMetadata)
                .build();
    }

    /**
     * Calls {@code sink} with every row of {@code file}, reading only the columns of {@code projection},
     * as records of {@code projection} (so {@code get(i)} is its i-th field).
     * What {@code sink} throws passes through untouched.
     */
    static void read(Path file, Schema projection, Consumer<GenericRecord> sink) {
        ParquetReader<GenericRecord> reader;
        try {
            // a plain configuration: a Hadoop Configuration parses its XML defaults again for every file
            // (milliseconds each; an archive has a file per partition and hour)
            reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file), new PlainParquetConfiguration())
                    .withDataModel(GenericData.get())
                    .set(AvroReadSupport.AVRO_REQUESTED_PROJECTION, projection.toString())
                    // AvroReadSupport.setAvroReadSchema without a Hadoop Configuration: records of the projection
                    .set("parquet.avro.read.schema", projection.toString())
                    .build();
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
        try (reader) {
            while (true) {
                GenericRecord rec;
                try {
                    rec = reader.read();
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
                if (rec == null) {
                    return;
                }
                sink.accept(rec);
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static TesseraException unreadable(Path file, Exception e) {
        return new TesseraException("cannot read archive file " + file + ": " + e + ". A manifest names it, so it was"
                + " committed complete and something else changed or removed it: restore it, or move its manifest out of "
                + ArchiveLayout.MANIFESTS + " to drop it from the archive", e);
    }
}
