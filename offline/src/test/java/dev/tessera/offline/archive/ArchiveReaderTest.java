package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.TesseraException;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading an archive written by the archiver from a real broker: event-time ranges deliver exactly
 * the oracle's events in range (boundaries included), files outside a range are not even opened,
 * and files no manifest names — left by a crash — are never read and are deleted at the next start.
 */
class ArchiveReaderTest {
    static final String TOPIC = "reader.payments";

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;
    static Path defsDir;
    static Path root;
    static Map<Long, ArchiveWorld.Produced> expected;
    static List<Long> hourBoundaries = new ArrayList<>();

    @BeforeAll
    static void archiveThreeDays() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
        kafka.createTopics(Map.of(TOPIC, ArchiveWorld.PARTITIONS));
        defsDir = ArchiveWorld.writeDefinitions(tmp.resolve("features"), TOPIC);
        root = tmp.resolve("archive");
        long now = System.currentTimeMillis();
        Random rnd = new Random(3);
        List<ArchiveWorld.Sent> records = new ArrayList<>(ArchiveWorld.stream(rnd, 4_000, now - 72 * ArchiveWorld.HOUR, now - 60_000, 0, now));
        // events exactly at, and one millisecond before, hour boundaries
        long firstHour = ArchiveLayout.hourStart(now - 70 * ArchiveWorld.HOUR);
        for (int i = 0; i < 60; i++) {
            long boundary = firstHour + (long) rnd.nextInt(68) * ArchiveWorld.HOUR;
            hourBoundaries.add(boundary);
            records.add(ArchiveWorld.payment(rnd.nextInt(ArchiveWorld.PARTITIONS), ArchiveWorld.Kind.LATE, "edge-" + i,
                    boundary - (i % 2), rnd));
        }
        List<ArchiveWorld.Produced> produced;
        try (KafkaProducer<byte[], byte[]> producer = ArchiveWorld.producer(kafka.bootstrapServers())) {
            produced = ArchiveWorld.send(producer, TOPIC, records);
        }
        try (Archiver a = start(root)) {
            a.awaitCaughtUp(Duration.ofSeconds(60));
        }
        expected = ArchiveWorld.expected(produced);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Archiver start(Path archiveRoot) {
        Definitions defs = DefinitionLoader.load(defsDir);
        return Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), archiveRoot,
                ArchiveConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(300)));
    }

    @Test
    void splitPartsTogetherDeliverEachEventOnceWithItsKeysFromTheKeyColumns() throws Exception {
        ArchiveReader reader = ArchiveReader.open(root, "payments");
        long min = expected.values().stream().mapToLong(p -> p.sent().eventTime()).min().orElseThrow();
        long max = expected.values().stream().mapToLong(p -> p.sent().eventTime()).max().orElseThrow();
        List<EventScan> parts = reader.split();
        assertThat(parts).hasSize(reader.files().size());
        for (long[] r : List.of(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, new long[] {min + 7 * ArchiveWorld.HOUR + 1, max - 9 * ArchiveWorld.HOUR})) {
            Set<Long> want = new TreeSet<>();
            reader.forEach(r[0], r[1], e -> want.add(ArchiveWorld.key(e.partition(), e.offset())));
            Set<Long> got = new TreeSet<>();
            for (EventScan part : parts) {
                // key fields in another order than the archive's columns, one of them nested (merchant.id -> merchant_id)
                part.forEachWithKeys(r[0], r[1], List.of("merchant.id", "account_id"), (e, keys) -> {
                    long k = ArchiveWorld.key(e.partition(), e.offset());
                    assertThat(got.add(k)).as("delivered once").isTrue();
                    ArchiveWorld.Sent sent = expected.get(k).sent();
                    assertThat(keys).as("key texts of partition %d offset %d", e.partition(), e.offset())
                            .containsExactly(sent.merchant(), sent.account());
                });
            }
            assertThat(got).isEqualTo(want);
        }
        // a field that is no key column: the keys are unknown (the caller decodes)
        parts.get(0).forEachWithKeys(Long.MIN_VALUE, Long.MAX_VALUE, List.of("amount"), (e, keys) -> assertThat(keys).isNull());
    }

    @Test
    void everyRangeDeliversExactlyTheEventsInIt() throws Exception {
        ArchiveReader reader = ArchiveReader.open(root, "payments");
        ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(reader), expected);
        long min = expected.values().stream().mapToLong(p -> p.sent().eventTime()).min().orElseThrow();
        long max = expected.values().stream().mapToLong(p -> p.sent().eventTime()).max().orElseThrow();
        Random rnd = new Random(17);
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {Long.MIN_VALUE, Long.MAX_VALUE});
        ranges.add(new long[] {min, max}); // the newest event is not in [min, max)
        ranges.add(new long[] {min, max + 1});
        ranges.add(new long[] {max + 1, Long.MAX_VALUE});
        ranges.add(new long[] {Long.MIN_VALUE, min});
        for (int i = 0; i < 80; i++) {
            long a = min - ArchiveWorld.HOUR + (long) (rnd.nextDouble() * (max - min + 2 * ArchiveWorld.HOUR));
            long b = a + (long) (rnd.nextDouble() * rnd.nextInt(30) * ArchiveWorld.HOUR);
            switch (rnd.nextInt(4)) {
                case 0 -> ranges.add(new long[] {ArchiveLayout.hourStart(a), ArchiveLayout.hourStart(b)});
                case 1 -> {
                    long h = hourBoundaries.get(rnd.nextInt(hourBoundaries.size()));
                    ranges.add(rnd.nextBoolean() ? new long[] {h, b} : new long[] {a, h});
                }
                case 2 -> ranges.add(new long[] {b, a}); // empty, or reversed
                default -> ranges.add(new long[] {a, b});
            }
        }
        for (long[] r : ranges) {
            Set<Long> want = new TreeSet<>();
            expected.forEach((k, p) -> {
                if (p.sent().eventTime() >= r[0] && p.sent().eventTime() < r[1]) {
                    want.add(k);
                }
            });
            Set<Long> got = new TreeSet<>();
            reader.forEach(r[0], r[1], e -> {
                assertThat(got.add(ArchiveWorld.key(e.partition(), e.offset()))).as("delivered once").isTrue();
            });
            assertThat(got).as("events in [%d, %d)", r[0], r[1]).isEqualTo(want);
            assertThat(reader.count(r[0], r[1])).isEqualTo(want.size());
        }
    }

    @Test
    void filesOutsideTheRangeAreNotOpened() throws Exception {
        Path copy = copyOf(root, tmp.resolve("damaged"));
        ArchiveReader reader = ArchiveReader.open(copy, "payments");
        ArchivedFile victim = reader.files().get(reader.files().size() / 2);
        Files.write(victim.path(), new byte[] {'n', 'o', 't', ' ', 'p', 'a', 'r', 'q', 'u', 'e', 't'});
        long hour = ArchiveLayout.hourStart(victim.minEventTime());

        long[] before = {0};
        reader.forEach(Long.MIN_VALUE, hour, e -> before[0]++);
        long[] after = {0};
        reader.forEach(hour + ArchiveWorld.HOUR, Long.MAX_VALUE, e -> after[0]++);
        assertThat(before[0]).isEqualTo(expected.values().stream().filter(p -> p.sent().eventTime() < hour).count());
        assertThat(after[0]).isEqualTo(expected.values().stream()
                .filter(p -> p.sent().eventTime() >= hour + ArchiveWorld.HOUR).count());
        assertThatThrownBy(() -> reader.forEach(hour, hour + ArchiveWorld.HOUR, e -> { }))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("cannot read archive file " + victim.path())
                .hasMessageContaining("move its manifest out of _manifests");
    }

    @Test
    void filesNoManifestNamesAreNeverReadAndAreDeletedAtStart() throws Exception {
        Path copy = copyOf(root, tmp.resolve("crashed"));
        Path source = copy.resolve("payments");
        ArchiveReader clean = ArchiveReader.open(copy, "payments");
        ArchivedFile committed = clean.files().get(0);
        // what a crash leaves: a file being written, files renamed but not yet named by a manifest
        // (in an existing hour folder and in a new one), and a manifest not yet renamed into place
        Path inProgress = committed.path().resolveSibling(ArchiveLayout.inProgressName(committed.partition(), 123));
        Path orphan = committed.path().resolveSibling(ArchiveLayout.dataFileName(committed.partition(), 900_000, 900_100));
        Path newHour = source.resolve(ArchiveLayout.hourDir(0)).resolve(ArchiveLayout.dataFileName(0, 900_000, 900_100));
        Files.copy(committed.path(), inProgress);
        Files.copy(committed.path(), orphan);
        Files.createDirectories(newHour.getParent());
        Files.copy(committed.path(), newHour);
        Manifest unfinished = new Manifest("payments", 0, 900_000, 900_100, 1, 1, List.of(new Manifest.FileEntry(
                ArchiveLayout.hourDir(0) + "/" + newHour.getFileName(), committed.rows(), 0, 1)));
        Path manifestTemp = source.resolve(ArchiveLayout.MANIFESTS)
                .resolve(ArchiveLayout.tempName(ArchiveLayout.manifestName(0, 900_000, 900_100)));
        Files.write(manifestTemp, unfinished.toJson());

        ArchiveReader reader = ArchiveReader.open(copy, "payments");
        assertThat(reader.files()).isEqualTo(clean.files());
        assertThat(reader.count()).isEqualTo(expected.size());
        ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(reader), expected);

        try (Archiver a = start(copy)) {
            a.awaitCaughtUp(Duration.ofSeconds(30));
        }
        for (Path p : List.of(inProgress, orphan, newHour, manifestTemp)) {
            assertThat(p).as("removed at start").doesNotExist();
        }
        ArchiveReader after = ArchiveReader.open(copy, "payments");
        assertThat(after.files()).hasSameSizeAs(clean.files());
        ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(after), expected);
    }

    @Test
    void aMissingSourceSaysWhichSourcesThereAre() {
        assertThatThrownBy(() -> ArchiveReader.open(root, "paymnts"))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("no archive of source 'paymnts'")
                .hasMessageContaining("archived sources: [payments]");
        assertThatThrownBy(() -> ArchiveReader.open(root, "../payments"))
                .isInstanceOf(TesseraException.class).hasMessageContaining("is not a source name");
    }

    @Test
    void aSecondArchiverOnTheSameFolderIsRefused() {
        try (Archiver a = start(root)) {
            assertThatThrownBy(() -> start(root))
                    .isInstanceOf(TesseraException.class)
                    .hasMessageContaining("is already being written by the archiver of tessera run");
        }
    }

    @Test
    void aMissingTopicIsReportedAndLeavesTheFolderFree() throws Exception {
        Path otherDefs = ArchiveWorld.writeDefinitions(tmp.resolve("missing-topic"), "no.such.topic");
        Definitions defs = DefinitionLoader.load(otherDefs);
        Path fresh = tmp.resolve("fresh");
        assertThatThrownBy(() -> Archiver.start(defs, otherDefs, defs.source("payments").orElseThrow(), fresh,
                ArchiveConfig.defaults(kafka.bootstrapServers())))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("topic 'no.such.topic' of source 'payments' does not exist");
        try (Archiver a = start(fresh)) {
            a.awaitCaughtUp(Duration.ofSeconds(30));
        }
        assertThat(ArchiveReader.open(fresh, "payments").count()).isEqualTo(expected.size());
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}
