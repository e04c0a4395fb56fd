package dev.tessera.offline.imports;

import static dev.tessera.offline.imports.ImportWorld.HOUR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.TesseraException;
import dev.tessera.offline.archive.ArchiveConfig;
import dev.tessera.offline.archive.ArchiveImport;
import dev.tessera.offline.archive.TypedColumns;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.archive.Archiver;
import dev.tessera.offline.imports.ImportWorld.Item;
import dev.tessera.offline.imports.ImportWorld.Pay;
import dev.tessera.offline.imports.ImportWorld.Row;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import next to the stream's archive, on a real broker: it is refused while the archiver runs
 * (and an archiver while an import runs), it adds only the rows the Kafka archive does not hold
 * already (by id, within the dedup horizon), and the archiver resumes afterwards as if nothing had
 * happened: imported rows are not Kafka offsets.
 */
class ImportOverlapTest {
    @TempDir
    Path tmp;

    @Test
    void anImportOverlappingTheKafkaArchiveAddsOnlyTheNewEvents() throws Exception {
        long now = System.currentTimeMillis();
        Path defsDir = ImportWorld.writeDefinitions(tmp.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        Path data = tmp.resolve("data");
        Path root = data.resolve("archive");
        Random rnd = new Random(21);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(ImportWorld.TOPIC, 2));
            ArchiveConfig config = ArchiveConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(200));
            List<Pay> streamed = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                streamed.add(ImportWorld.pay(rnd, "k-" + i, now - 20 * HOUR + i * 2 * 60_000L)); // always keyed
            }
            produce(kafka, streamed);
            Importer importer = new Importer(defs, defsDir, root);

            // a dump: half the streamed events again (same bytes), some near copies, new events, some bad rows
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < streamed.size(); i += 2) {
                items.add(new Item(streamed.get(i), null));
            }
            for (int i = 1; i < streamed.size(); i += 20) {
                Pay p = streamed.get(i);
                items.add(new Item(p.withTime(p.time() - 30 * 60_000L), null));
            }
            items.addAll(ImportWorld.items(rnd, 500, now - 40 * HOUR, now - HOUR, "dump-", List.of("no_key", "future", "not_json")));
            java.util.Collections.shuffle(items, rnd);
            Path file = data.resolve("dump.jsonl");
            List<Row> rows = ImportWorld.writeJsonl(file, items, now);
            Importer.Options o = Importer.Options.of("payments", List.of(file), data.resolve("tmp"))
                    .withRejects(data.resolve("rejects.jsonl")).withClock(() -> now);

            try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config)) {
                a.awaitCaughtUp(Duration.ofSeconds(60));
                assertThatThrownBy(() -> importer.run(o, Importer.Progress.NONE)).isInstanceOf(TesseraException.class)
                        .hasMessageContaining("is in use by the archiver of tessera run/demo (pid " + ProcessHandle.current().pid())
                        .hasMessageContaining("stop that first");
            }
            try (ArchiveImport held = ArchiveImport.open(root, "payments", List.of("account_id", "merchant.id"),
                    TypedColumns.none(), 1 << 20, now)) {
                assertThatThrownBy(() -> Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config))
                        .isInstanceOf(TesseraException.class).hasMessageContaining("already being written by tessera import");
            }

            List<Row> archivedBefore = new ArrayList<>();
            for (Pay p : streamed) {
                archivedBefore.add(new Row("kafka", 0, null, p, null));
            }
            ImportWorld.Expected e = ImportWorld.expected(rows, archivedBefore);
            assertThat(e.counts().get("duplicate")).as("the dump overlaps the stream").isGreaterThan(200);
            Importer.Report r = importer.run(o, Importer.Progress.NONE);
            assertThat(r.rejected()).isEqualTo(e.counts());
            assertThat(ImportWorld.rejectsFile(data.resolve("rejects.jsonl"))).isEqualTo(e.rejects());
            ImportWorld.assertArchiveHolds(ImportWorld.imported(root), e.kept());

            // the stream goes on: the archiver resumes at its own offsets, unaffected by the import
            List<Pay> more = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                more.add(ImportWorld.pay(rnd, "k2-" + i, now - HOUR + i * 1000L));
            }
            produce(kafka, more);
            try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root, config)) {
                a.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(a.counters().get("in")).as("only the new records are read").isEqualTo(50L);
            }
            ArchiveReader reader = ArchiveReader.open(root, "payments");
            assertThat(reader.nextOffsets().keySet()).containsExactly(0, 1);
            assertThat(reader.nextOffsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(450);
            long kafkaRows = 0;
            List<ArchivedEvent> all = new ArrayList<>();
            reader.forEach(all::add);
            for (ArchivedEvent ev : all) {
                if (ev.partition() >= 0) {
                    kafkaRows++;
                }
            }
            assertThat(kafkaRows).isEqualTo(streamed.size() + more.size());
            assertThat(all.size() - kafkaRows).isEqualTo(e.kept().size());
        }
    }

    private static void produce(EmbeddedKafka kafka, List<Pay> pays) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            // both partitions, alternately: left to the default partitioner, unkeyed records may all land in one
            // (it picks a partition at random each time it moves on), and the test reads both
            int i = 0;
            for (Pay pay : pays) {
                producer.send(new ProducerRecord<>(ImportWorld.TOPIC, i++ % 2, null, ImportWorld.JSON.writeValueAsBytes(ImportWorld.fields(pay))))
                        .get();
            }
        }
    }
}
