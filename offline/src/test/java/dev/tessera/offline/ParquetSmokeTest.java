package dev.tessera.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Parquet dependency set (DEPENDENCIES.md: a trimmed Hadoop) writes and reads local files. */
class ParquetSmokeTest {
    @Test
    void writesAndReadsLocalFiles(@TempDir Path dir) throws Exception {
        Schema schema = SchemaBuilder.record("r").fields().requiredLong("offset").optionalString("id").endRecord();
        Path file = dir.resolve("f.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(schema).withCompressionCodec(CompressionCodecName.ZSTD).build()) {
            for (int i = 0; i < 1000; i++) {
                GenericRecord r = new GenericData.Record(schema);
                r.put("offset", (long) i);
                r.put("id", i % 10 == 0 ? null : "e-" + i);
                w.write(r);
            }
        }
        List<GenericRecord> back = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
            for (GenericRecord rec; (rec = r.read()) != null; ) {
                back.add(rec);
            }
        }
        assertThat(back).hasSize(1000);
        assertThat(back.get(7).get("id").toString()).isEqualTo("e-7");
        assertThat(back.get(10).get("id")).isNull();
        assertThat(back.get(999).get("offset")).isEqualTo(999L);
    }
}
