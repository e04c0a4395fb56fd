package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training sets as drift references: feature columns by qualified name, values typed, other columns ignored. */
class DriftReferenceTest {
    @TempDir
    Path tmp;

    @Test
    void csvColumnsBecomeTypedReferences() throws Exception {
        Path csv = tmp.resolve("train.csv");
        Files.writeString(csv, """
                account_id,ts,label,account_payments__payment_count_1h,account_payments__amount_sum_1h,account_payments__recent_cards_1d,account_payments__last_country
                a1,1000,0,3,12.5,"[""c1"",""c2""]",DE
                a2,2000,1,0,0,[],
                a3,3000,0,7,-1.25,"[""c9""]",US
                """);
        Map<String, List<Object>> ref = DriftReference.read(csv);
        assertThat(ref.keySet()).containsExactly("account_payments.payment_count_1h", "account_payments.amount_sum_1h",
                "account_payments.recent_cards_1d", "account_payments.last_country");
        assertThat(ref.get("account_payments.payment_count_1h")).containsExactly(3L, 0L, 7L);
        assertThat(ref.get("account_payments.amount_sum_1h")).containsExactly(12.5, 0L, -1.25);
        assertThat(ref.get("account_payments.recent_cards_1d")).containsExactly(List.of(), List.of(), List.of());
        assertThat(ref.get("account_payments.last_country")).containsExactly("DE", null, "US");
    }

    @Test
    void parquetColumnsKeepTheirTypesAndLargeFilesAreSampled() throws Exception {
        Schema schema = SchemaBuilder.record("Row").fields()
                .requiredString("account_id").requiredLong("ts")
                .optionalLong("g__n_1h").optionalDouble("g__avg_1d").optionalString("g__last").endRecord();
        Path file = tmp.resolve("train.parquet");
        int rows = DriftReference.MAX_ROWS + 20_000;
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(schema).build()) {
            for (int i = 0; i < rows; i++) {
                GenericRecord r = new GenericData.Record(schema);
                r.put("account_id", "a" + i);
                r.put("ts", (long) i);
                r.put("g__n_1h", (long) (i % 10));
                r.put("g__avg_1d", i % 3 == 0 ? null : i / 2.0);
                r.put("g__last", i % 2 == 0 ? "DE" : "US");
                w.write(r);
            }
        }
        Map<String, List<Object>> ref = DriftReference.read(file);
        assertThat(ref.keySet()).containsExactly("g.n_1h", "g.avg_1d", "g.last");
        List<Object> n = ref.get("g.n_1h");
        assertThat(n).hasSize(DriftReference.MAX_ROWS);
        assertThat(n).allSatisfy(v -> assertThat(v).isInstanceOf(Long.class));
        long zeros = n.stream().filter(v -> (Long) v == 0L).count();
        assertThat(zeros).as("a uniform sample keeps each of 10 values about a tenth of the time").isBetween(9_000L, 11_000L);
        assertThat(ref.get("g.avg_1d")).anySatisfy(v -> assertThat(v).isNull()).anySatisfy(v -> assertThat(v).isInstanceOf(Double.class));
        assertThat(new ArrayList<>(ref.get("g.last"))).containsOnly("DE", "US");
    }

    @Test
    void aFileWithoutFeatureColumnsIsRefusedWithWhatWasExpected() throws Exception {
        Path csv = tmp.resolve("spine.csv");
        Files.writeString(csv, "account_id,ts\na1,1\n");
        assertThatThrownBy(() -> DriftReference.read(csv)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("no feature columns").hasMessageContaining("<group>__<feature>");
    }
}
