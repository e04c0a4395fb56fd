package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archiver on a real in-process broker writing real Parquet files: a stream with out-of-order,
 * late, duplicate, malformed, keyless, badly timed, tombstone and future records leaves in the
 * archive exactly the valid, non-duplicate events (late ones included), each once, with the bytes
 * as produced, in the folder of their event hour, with their key columns; stopping and starting
 * mid-stream changes nothing.
 */
class ArchiverEndToEndTest {
    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static ArchiveConfig config() {
        // small commits and bounds, so one run makes many commits, early ones included
        return ArchiveConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(200)).withBounds(700, 6);
    }

    @Test
    void theArchiveHoldsExactlyTheValidNonDuplicateEventsOnceWithTheirColumns() throws Exception {
        String topic = ArchiveWorld.TOPIC;
        Path root = tmp.resolve("e2e");
        Path defsDir = ArchiveWorld.writeDefinitions(tmp.resolve("e2e-features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        kafka.createTopics(Map.of(topic, ArchiveWorld.PARTITIONS));
        long now = System.currentTimeMillis();
        Random rnd = new Random(11);
        List<ArchiveWorld.Produced> produced;
        try (KafkaProducer<byte[], byte[]> producer = ArchiveWorld.producer(kafka.bootstrapServers())) {
            produced = new ArrayList<>(ArchiveWorld.send(producer, ArchiveWorld.stream(rnd, 3_000, now - 6 * ArchiveWorld.HOUR,
                    now - 3 * ArchiveWorld.HOUR, 0, now)));
            try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config())) {
                a.awaitCaughtUp(Duration.ofSeconds(60));
                produced.addAll(ArchiveWorld.send(producer, ArchiveWorld.stream(rnd, 3_000, now - 3 * ArchiveWorld.HOUR,
                        now - 60_000, 100_000, now)));
                a.awaitCaughtUp(Duration.ofSeconds(60));
                Map<String, Long> counters = a.counters();
                assertThat(counters.get("in")).isEqualTo(produced.size());
                assertThat(a.rowsCommitted()).isEqualTo(ArchiveWorld.expected(produced).size());
            }
        }
        Map<ArchiveWorld.Kind, Integer> kinds = new HashMap<>();
        produced.forEach(p -> kinds.merge(p.sent().kind(), 1, Integer::sum));
        assertThat(kinds.keySet()).as("the stream has every kind of record").containsAll(List.of(ArchiveWorld.Kind.values()));

        Map<Long, ArchiveWorld.Produced> expected = ArchiveWorld.expected(produced);
        ArchiveReader reader = ArchiveReader.open(root, "payments");
        ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(reader), expected);
        assertThat(reader.count()).isEqualTo(expected.size());
        assertThat(expected.values().stream().filter(p -> p.sent().kind() == ArchiveWorld.Kind.LATE).count())
                .as("late events archived").isEqualTo((long) kinds.get(ArchiveWorld.Kind.LATE));
        assertThat(expected.values().stream().filter(p -> p.sent().kind() == ArchiveWorld.Kind.DUPLICATE).count())
                .as("re-sends past the dedup horizon archived again").isPositive();
        long partitionsEnd = 0;
        for (long next : reader.nextOffsets().values()) {
            partitionsEnd += next;
        }
        assertThat(partitionsEnd).as("every offset covered by a commit").isEqualTo(produced.size());

        assertFilesAreWellFormed(reader, expected);
        assertThat(ArchiveReader.sources(root)).containsExactly("payments");
    }

    /** Each file: in its event hour's folder, ZSTD, the documented columns, key columns equal to the produced keys. */
    private static void assertFilesAreWellFormed(ArchiveReader reader, Map<Long, ArchiveWorld.Produced> expected) throws Exception {
        assertThat(reader.files()).hasSizeGreaterThan(10);
        int rows = 0;
        for (ArchivedFile f : reader.files()) {
            String folder = f.path().getParent().getParent().getFileName() + "/" + f.path().getParent().getFileName();
            assertThat(folder).isEqualTo(ArchiveLayout.hourDir(ArchiveLayout.hourStart(f.minEventTime())));
            assertThat(ArchiveLayout.hourStart(f.maxEventTime())).isEqualTo(ArchiveLayout.hourStart(f.minEventTime()));
            assertThat(f.path().getFileName().toString()).isEqualTo(
                    ArchiveLayout.dataFileName(f.partition(), f.firstOffset(), f.lastOffset()));
            try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(f.path()))) {
                for (BlockMetaData block : footer.getFooter().getBlocks()) {
                    for (ColumnChunkMetaData c : block.getColumns()) {
                        assertThat(c.getCodec()).isEqualTo(CompressionCodecName.ZSTD);
                    }
                }
                assertThat(footer.getFooter().getFileMetaData().getKeyValueMetaData())
                        .containsEntry("tessera.key_columns", "account_id=account_id,merchant_id=merchant.id")
                        .containsEntry("tessera.archive.version", "2")
                        .containsEntry("tessera.value_columns", "amount=amount");
            }
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(f.path())).build()) {
                for (GenericRecord rec; (rec = r.read()) != null; rows++) {
                    assertThat(rec.getSchema().getFields().stream().map(x -> x.name()).toList()).containsExactly(
                            "_partition", "_offset", "_ingest_time", "event_time", "id", "account_id", "merchant_id",
                            "amount__long", "amount__double", "amount__string", "amount__bool", "_untyped", "_raw");
                    int partition = (Integer) rec.get("_partition");
                    long offset = (Long) rec.get("_offset");
                    assertThat(partition).isEqualTo(f.partition());
                    assertThat(offset).isBetween(f.firstOffset(), f.lastOffset());
                    ArchiveWorld.Sent s = expected.get(ArchiveWorld.key(partition, offset)).sent();
                    assertThat(text(rec.get("account_id"))).isEqualTo(s.account());
                    assertThat(text(rec.get("merchant_id"))).isEqualTo(s.merchant());
                    // the typed column holds the decoded amount (a JSON number with a fraction: a double)
                    double amount = new com.fasterxml.jackson.databind.ObjectMapper().readTree(s.value()).get("amount").doubleValue();
                    assertThat(rec.get("amount__double")).isEqualTo(amount);
                    assertThat(rec.get("amount__long")).isNull();
                    assertThat(rec.get("_untyped")).isNull();
                }
            }
        }
        assertThat(rows).isEqualTo(expected.size());
    }

    @Test
    void stoppingAndStartingMidStreamLosesAndDuplicatesNothing() throws Exception {
        String topic = ArchiveWorld.TOPIC;
        Path root = tmp.resolve("restart");
        String own = topic + ".restart"; // a topic of its own, so this test does not see the other's records
        Path defsDir = ArchiveWorld.writeDefinitions(tmp.resolve("restart-features"), own);
        Definitions defs = DefinitionLoader.load(defsDir);
        kafka.createTopics(Map.of(own, ArchiveWorld.PARTITIONS));
        long now = System.currentTimeMillis();
        Random rnd = new Random(5);
        List<ArchiveWorld.Produced> produced = new ArrayList<>();
        int restarts = 0;
        try (KafkaProducer<byte[], byte[]> producer = ArchiveWorld.producer(kafka.bootstrapServers())) {
            long span = 5 * ArchiveWorld.HOUR / 6;
            for (int round = 0; round < 6; round++) {
                List<ArchiveWorld.Sent> batch = ArchiveWorld.stream(rnd, 1_500, now - 6 * ArchiveWorld.HOUR + round * span,
                        now - 6 * ArchiveWorld.HOUR + (round + 1) * span, round * 10_000, now);
                try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config())) {
                    // produce while the archiver reads; it is stopped wherever it is when the batch is sent
                    produced.addAll(ArchiveWorld.send(producer, own, batch));
                    restarts++;
                }
            }
            try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config())) {
                a.awaitCaughtUp(Duration.ofSeconds(60));
            }
        }
        assertThat(restarts).isEqualTo(6);
        ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(ArchiveReader.open(root, "payments")), ArchiveWorld.expected(produced));
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".inprogress") || n.endsWith(".tmp")))
                    .as("a clean stop leaves no in-progress files").isEmpty();
        }
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }
}
