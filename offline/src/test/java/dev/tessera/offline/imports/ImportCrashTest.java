package dev.tessera.offline.imports;

import static dev.tessera.offline.imports.ImportWorld.HOUR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.ArchivedEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash while importing (issue 6): a child JVM with a heap smaller than its input imports a JSON Lines
 * and a CSV file, committing every few thousand rows, and is killed with SIGKILL at random points,
 * reading or archiving; each next run is the same import again. After a last complete run the archive
 * holds exactly what the oracle says, each row once, and nothing uncommitted is left. Seeded:
 * {@code -Dtessera.seed=N}; kills: {@code -Dtessera.crash.kills.import=N} (default 5).
 */
@Tag("reliability")
class ImportCrashTest {
    static final int KILLS = Integer.getInteger("tessera.crash.kills.import", 5);
    static final String HEAP = "-Xmx24m";

    @TempDir
    Path tmp;

    @Test
    void killedAtRandomPointsAndRunAgainTheArchiveHoldsEveryGoodRowOnce() throws Exception {
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        Random rnd = new Random(seed);
        long now = System.currentTimeMillis();
        Path defsDir = ImportWorld.writeDefinitions(tmp.resolve("features"));
        Path data = tmp.resolve("data");
        List<ImportWorld.Pay> seen = new ArrayList<>();
        Path jsonl = tmp.resolve("in").resolve("dump.jsonl");
        Path csv = tmp.resolve("in").resolve("dump.csv");
        List<ImportWorld.Row> rows = new ArrayList<>(ImportWorld.writeJsonl(jsonl, ImportWorld.items(rnd, 170_000, now - 90 * HOUR,
                now - HOUR, "j-", ImportWorld.JSONL_BAD, seen), now));
        rows.addAll(ImportWorld.writeCsv(csv, ImportWorld.items(rnd, 30_000, now - 90 * HOUR, now - HOUR, "c-", ImportWorld.CSV_BAD,
                seen), now));
        long inputBytes = Files.size(jsonl) + Files.size(csv);
        assertThat(inputBytes).as("the input is larger than the child's heap").isGreaterThan(24L << 20);
        ImportWorld.Expected expected = ImportWorld.expected(rows, List.of());
        long chunk = 5_000 + rnd.nextInt(5_000);

        int midArchive = 0;
        int leftBehind = 0;
        for (int k = 0; k < KILLS; k++) {
            // every other kill while archiving (0.5 to 1), the others while reading
            double at = k % 2 == 0 ? 0.55 + 0.4 * rnd.nextDouble() : 0.05 + 0.43 * rnd.nextDouble();
            long before = committed(data);
            assertThat(runChild(defsDir, data, now, chunk, List.of(jsonl, csv), at)).as("killed before the end").isFalse();
            long after = committed(data);
            assertThat(after).as("committed rows never go down").isGreaterThanOrEqualTo(before);
            if (after > before && after < expected.kept().size()) {
                midArchive++;
            }
            leftBehind += uncommitted(data);
        }
        assertThat(runChild(defsDir, data, now, chunk, List.of(jsonl, csv), 2.0)).as("the last run completes").isTrue();
        List<ArchivedEvent> imported = ImportWorld.imported(data.resolve("archive"));
        long[] lostAndDoubled = ImportWorld.lostAndDoubled(imported, expected.kept());
        System.out.printf(Locale.ROOT, "ImportCrashTest seed %d: %d kills, %d between commits; %d events checked: lost %d,"
                        + " double-counted %d; %.1f s (%d rows read, %d uncommitted files left behind by kills)%n",
                seed, KILLS, midArchive, expected.kept().size(), lostAndDoubled[0], lostAndDoubled[1], (System.nanoTime() - started) / 1e9,
                rows.size(), leftBehind);
        assertThat(midArchive).as("kills between commits of the archiving pass (seed %d)", seed).isPositive();
        assertThat(leftBehind).as("kills that left uncommitted files behind (seed %d)", seed).isPositive();
        assertThat(lostAndDoubled).as("rows lost, double-counted").containsExactly(0, 0);

        ImportWorld.assertArchiveHolds(imported, expected.kept());
        assertThat(uncommitted(data)).isZero();
        try (Stream<Path> left = Files.walk(data.resolve("tmp"))) {
            assertThat(left.filter(f -> Files.isRegularFile(f) || f.getFileName().toString().startsWith("spill-")))
                    .as("spills are removed").isEmpty();
        }
    }

    private static long committed(Path data) {
        return Files.isDirectory(data.resolve("archive").resolve("payments"))
                ? ArchiveReader.open(data.resolve("archive"), "payments").count() : 0;
    }

    private static long uncommitted(Path data) throws Exception {
        Path dir = data.resolve("archive").resolve("payments");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        java.util.Set<Path> named = new java.util.HashSet<>();
        ArchiveReader.open(data.resolve("archive"), "payments").files().forEach(f -> named.add(f.path().normalize()));
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".inprogress") || n.endsWith(".tmp") || n.endsWith(".parquet") && !named.contains(f.normalize());
            }).count();
        }
    }

    /** Runs the import in a child JVM; kills it (SIGKILL) once it reports {@code killAt} progress. True when it completed. */
    private static boolean runChild(Path defsDir, Path data, long now, long chunk, List<Path> files, double killAt) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, HEAP, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                CrashTestImportMain.class.getName(), defsDir.toString(), data.toString(), Long.toString(now), Long.toString(chunk)));
        files.forEach(f -> cmd.add(f.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder seen = new StringBuilder();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("DONE")) {
                    return true;
                }
                if (line.startsWith("P ")) {
                    if (Double.parseDouble(line.substring(2)) >= killAt) {
                        return false;
                    }
                } else {
                    seen.append(line).append('\n');
                }
            }
            throw new AssertionError("the child died on its own:\n" + seen);
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
