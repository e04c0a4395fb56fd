package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveWorld.Produced;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash while archiving (issue 6): a child JVM runs the archiver and is killed with SIGKILL at
 * random points while it reads, 20 times, with more records produced before each restart. After a
 * last clean run the archive equals the oracle exactly: every valid non-duplicate event once, no
 * offset missing or repeated. Seeded: {@code -Dtessera.seed=N}; kills:
 * {@code -Dtessera.crash.kills.archiver=N} (default 20).
 */
@Tag("reliability")
class ArchiverCrashTest {
    static final int KILLS = Integer.getInteger("tessera.crash.kills.archiver", 20);

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomPointsTheArchiveStillEqualsTheOracle() throws Exception {
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(ArchiveWorld.TOPIC, ArchiveWorld.PARTITIONS));
            Path defsDir = ArchiveWorld.writeDefinitions(tmp.resolve("features"));
            Path root = tmp.resolve("archive");
            Random rnd = new Random(seed);
            long now = System.currentTimeMillis();
            long start = now - 8 * ArchiveWorld.HOUR;
            long chunk = (now - 60_000 - start) / (KILLS + 1);
            List<ArchiveWorld.Produced> produced = new ArrayList<>();
            int midStream = 0;
            int leftBehind = 0;
            try (KafkaProducer<byte[], byte[]> producer = ArchiveWorld.producer(kafka.bootstrapServers())) {
                for (int round = 0; round <= KILLS; round++) {
                    produced.addAll(ArchiveWorld.send(producer, ArchiveWorld.stream(rnd, 1_500, start + round * chunk,
                            start + (round + 1) * chunk, round * 10_000, now)));
                    if (round < KILLS) {
                        long before = committedOffsets(root);
                        long available = produced.size() - before;
                        long killAfter = 1 + (long) (rnd.nextDouble() * (available - 1));
                        runAndKill(kafka.bootstrapServers(), defsDir, root, killAfter);
                        long after = committedOffsets(root);
                        if (after > before && after < produced.size()) {
                            midStream++;
                        }
                        leftBehind += uncommittedFiles(root);
                    }
                }
            }
            Definitions defs = DefinitionLoader.load(defsDir);
            try (Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), root,
                    ArchiveConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(200)))) {
                a.awaitCaughtUp(Duration.ofSeconds(60));
            }
            ArchiveReader reader = ArchiveReader.open(root, "payments");
            Map<Long, Produced> expected = ArchiveWorld.expected(produced);
            long[] lostAndDoubled = lostAndDoubled(reader, expected);
            System.out.printf(Locale.ROOT, "ArchiverCrashTest seed %d: %d kills, %d mid-stream; %d events checked: lost %d,"
                            + " double-counted %d; %.1f s (%d records produced; %d uncommitted files left behind by kills)%n",
                    seed, KILLS, midStream, expected.size(), lostAndDoubled[0], lostAndDoubled[1], (System.nanoTime() - started) / 1e9,
                    produced.size(), leftBehind);
            assertThat(midStream).as("kills after some commits, before the end (seed %d)", seed).isGreaterThanOrEqualTo(KILLS / 2);
            assertThat(leftBehind).as("kills that left uncommitted files behind (seed %d)", seed).isPositive();
            assertThat(lostAndDoubled).as("archive rows lost, double-counted").containsExactly(0, 0);
            assertThat(uncommittedFiles(root)).as("the last start cleaned up, the clean stop left nothing").isZero();
            assertThat(committedOffsets(root)).isEqualTo(produced.size());
            ArchiveWorld.assertArchiveIs(ArchiveWorld.archived(reader), expected);
        }
    }

    /**
     * Offsets the oracle archives and the archive does not hold (lost), and rows the archive holds more
     * than once or should not hold at all (double-counted: a repeated offset, or a duplicate kept).
     */
    private static long[] lostAndDoubled(ArchiveReader reader, Map<Long, Produced> expected) {
        Map<Long, Integer> rows = new HashMap<>();
        reader.forEach(Long.MIN_VALUE, Long.MAX_VALUE, e -> rows.merge(ArchiveWorld.key(e.partition(), e.offset()), 1, Integer::sum));
        long lost = expected.keySet().stream().filter(k -> !rows.containsKey(k)).count();
        long doubled = rows.entrySet().stream().mapToLong(r -> r.getValue() - (expected.containsKey(r.getKey()) ? 1 : 0)).sum();
        return new long[] {lost, doubled};
    }

    /** Offsets covered by commits, over all partitions (the child is dead: nothing is being written). */
    private static long committedOffsets(Path root) {
        if (!Files.isDirectory(root.resolve("payments"))) {
            return 0;
        }
        long sum = 0;
        for (long next : ArchiveReader.open(root, "payments").nextOffsets().values()) {
            sum += next;
        }
        return sum;
    }

    /** In-progress files, data files no manifest names, and manifest temp files. */
    private static int uncommittedFiles(Path root) throws Exception {
        Path dir = root.resolve("payments");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        java.util.Set<Path> committed = CommittedArchive.load(dir).referencedFiles();
        try (Stream<Path> walk = Files.walk(dir)) {
            return (int) walk.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".inprogress") || n.endsWith(".tmp") || n.endsWith(".parquet") && !committed.contains(f.normalize());
            }).count();
        }
    }

    private static void runAndKill(String bootstrap, Path defsDir, Path root, long killAfter) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path childTmp = Files.createDirectories(root.resolveSibling("child-tmp"));
        Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + childTmp,
                "-cp", System.getProperty("java.class.path"), CrashTestArchiverMain.class.getName(), bootstrap,
                defsDir.toString(), root.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("STARTED")) {
                seen.append(line).append('\n');
            }
            assertThat(line).as("child output:\n%s", seen).isEqualTo("STARTED");
            while ((line = out.readLine()) != null) {
                if (line.startsWith("IN ") && Long.parseLong(line.substring(3)) >= killAfter) {
                    break;
                }
                if (line.startsWith("FAILED") || line.contains("Exception")) {
                    seen.append(line).append('\n');
                }
            }
            assertThat(line).as("the child died before reading %d records:\n%s", killAfter, seen).isNotNull();
            Thread drain = new Thread(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // the process is gone
                }
            });
            drain.setDaemon(true);
            drain.start();
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
