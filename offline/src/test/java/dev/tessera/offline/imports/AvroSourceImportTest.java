package dev.tessera.offline.imports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.ArchivedEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Avro source: every input format becomes plain Avro binary of the source's schema, which the
 * source's own decoder reads — fields by name, defaults for missing ones, numbers widened, text parsed
 * (CSV), enums from their symbols, INT96 and micro timestamps as epoch millis — and rows that do not
 * fit the schema are {@code schema_mismatch}, with their line.
 */
class AvroSourceImportTest {
    static final String SCHEMA = """
            {"type": "record", "name": "Payment", "namespace": "t", "fields": [
              {"name": "payment_id", "type": ["null", "string"], "default": null},
              {"name": "account_id", "type": ["null", "string"], "default": null},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "amount", "type": "double"},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
              {"name": "channel", "type": "string", "default": "web"}]}
            """;
    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: avro.payments }
            format: avro
            schema: payment.avsc
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
            """;

    @TempDir
    Path tmp;

    /** What an archived row must decode to: id → (account, time, amount, status, channel). */
    record Want(String account, long time, double amount, String status) {}

    @Test
    void everyFormatBecomesARecordOfTheSourceSchema() throws Exception {
        Path defsDir = Files.createDirectories(tmp.resolve("features"));
        Files.writeString(defsDir.resolve("payment.avsc"), SCHEMA);
        Files.writeString(defsDir.resolve("defs.yaml"), DEFINITIONS);
        Definitions defs = DefinitionLoader.load(defsDir);
        long now = System.currentTimeMillis();
        long t0 = now - 10 * ImportWorld.HOUR;
        Map<String, Want> want = new TreeMap<>();

        Path jsonl = Files.writeString(tmp.resolve("a.jsonl"), String.join("\n",
                "{\"payment_id\":\"j1\",\"account_id\":\"a1\",\"event_time\":" + t0 + ",\"amount\":12,\"status\":\"APPROVED\",\"extra\":[1]}",
                "{\"payment_id\":\"j2\",\"account_id\":\"a2\",\"event_time\":\"" + Instant.ofEpochMilli(t0 + 1) + "\",\"amount\":1.5,"
                        + "\"status\":\"DECLINED\",\"channel\":\"app\"}",
                "{\"payment_id\":\"j3\",\"account_id\":\"a1\",\"event_time\":" + t0 + ",\"amount\":\"abc\",\"status\":\"APPROVED\"}",
                "{\"payment_id\":\"j4\",\"account_id\":\"a1\",\"event_time\":" + t0 + ",\"amount\":1,\"status\":\"MAYBE\"}",
                "{\"payment_id\":\"j5\",\"account_id\":\"a1\",\"amount\":1,\"status\":\"APPROVED\"}",
                "{\"payment_id\":\"j6\",\"event_time\":" + t0 + ",\"amount\":1,\"status\":\"APPROVED\"}",
                "{\"payment_id\":\"j7\",\"payment_id\":\"j8\"}",
                "[\"not an object\"]",
                "{\"payment_id\":\"j1\",\"account_id\":\"a1\",\"event_time\":" + t0 + ",\"amount\":12,\"status\":\"APPROVED\"}") + "\n");
        want.put("j1", new Want("a1", t0, 12, "APPROVED"));
        want.put("j2", new Want("a2", t0 + 1, 1.5, "DECLINED"));

        Path csv = Files.writeString(tmp.resolve("b.csv"), String.join("\n",
                "payment_id,account_id,event_time,amount,status",
                "c1,a3," + (t0 + 2) + ",7.25,DECLINED",
                "c2,a3," + (t0 + 3) + ",not-a-number,APPROVED",
                "c3,," + (t0 + 4) + ",1,APPROVED",
                "c4,007," + Instant.ofEpochMilli(t0 + 5) + ",3,APPROVED") + "\n");
        want.put("c1", new Want("a3", t0 + 2, 7.25, "DECLINED"));
        want.put("c4", new Want("007", t0 + 5, 3, "APPROVED"));

        // Parquet as Spark writes it, with no Avro schema in it: an int amount (widened), a string status (an enum
        // symbol), an extra column (dropped), no channel (the default), and the event time as INT96
        MessageType pq = MessageTypeParser.parseMessageType("""
                message spark_schema {
                  required binary payment_id (STRING);
                  optional binary account_id (STRING);
                  required int96 event_time;
                  required int32 amount;
                  required binary status (STRING);
                  required boolean ignored;
                }""");
        Path parquet = tmp.resolve("c.parquet");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(parquet)).withType(pq)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(pq);
            for (int i = 0; i < 3; i++) {
                Group g = groups.newGroup().append("payment_id", "q" + i).append("account_id", "a4")
                        .append("event_time", Binary.fromConstantByteArray(int96(t0 + 10 + i))).append("amount", 100 + i)
                        .append("status", i == 2 ? "UNKNOWN" : "APPROVED").append("ignored", true);
                w.write(g);
            }
        }
        want.put("q0", new Want("a4", t0 + 10, 100, "APPROVED"));
        want.put("q1", new Want("a4", t0 + 11, 101, "APPROVED"));

        Path data = tmp.resolve("data");
        Importer.Report r = new Importer(defs, defsDir, data.resolve("archive")).run(Importer.Options.of("payments",
                List.of(jsonl, csv, parquet), data.resolve("tmp")).withRejects(data.resolve("rejects.jsonl")).withClock(() -> now),
                Importer.Progress.NONE);

        assertThat(ImportWorld.rejectsFile(data.resolve("rejects.jsonl"))).isEqualTo(Map.of(
                jsonl + ":3", "schema_mismatch", jsonl + ":4", "schema_mismatch", jsonl + ":5", "schema_mismatch",
                jsonl + ":6", "missing_key", jsonl + ":7", "malformed", jsonl + ":8", "malformed", jsonl + ":9", "duplicate",
                csv + ":3", "schema_mismatch", csv + ":4", "missing_key", parquet + ":3", "schema_mismatch"));
        assertThat(r.archived()).isEqualTo(want.size());

        Schema schema = new Schema.Parser().parse(SCHEMA);
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
        Map<String, Want> got = new TreeMap<>();
        List<String> channels = new ArrayList<>();
        for (ArchivedEvent e : imported(data)) {
            GenericRecord rec = reader.read(null, DecoderFactory.get().binaryDecoder(e.raw(), null));
            got.put(rec.get("payment_id").toString(), new Want(rec.get("account_id").toString(), (Long) rec.get("event_time"),
                    (Double) rec.get("amount"), rec.get("status").toString()));
            assertThat(e.eventTime()).isEqualTo((Long) rec.get("event_time"));
            channels.add(rec.get("payment_id") + "=" + rec.get("channel"));
        }
        assertThat(got).isEqualTo(want);
        assertThat(channels).contains("j1=web", "j2=app", "q0=web");
    }

    private static List<ArchivedEvent> imported(Path data) throws Exception {
        List<ArchivedEvent> out = new ArrayList<>();
        ArchiveReader.open(data.resolve("archive"), "payments").forEach(out::add);
        return out;
    }

    /** An INT96 timestamp: nanoseconds of the day then the Julian day, little-endian. */
    private static byte[] int96(long millis) {
        long day = Math.floorDiv(millis, 86_400_000L);
        long nanos = Math.floorMod(millis, 86_400_000L) * 1_000_000L;
        return java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(nanos).putInt((int) (day + 2_440_588L))
                .array();
    }
}
