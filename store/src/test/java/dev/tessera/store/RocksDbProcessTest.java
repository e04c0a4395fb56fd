package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.store.TileStore.Space;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RocksDB store against a second, real process ({@link GenerationWriter}, started with this JVM's
 * {@code java} and the test classpath):
 * <ul>
 *   <li>SIGKILL ({@link Process#destroyForcibly()}) at a random moment while it commits never leaves a
 *       torn WriteSet: on reopen all 50 tile keys and the progress record hold one generation, and
 *       every commit the child reported before the kill is there;</li>
 *   <li>opening a directory another process holds fails with the "another Tessera process" hint.</li>
 * </ul>
 * The kill delays come from a seeded {@link Random}; waits are bounded only so a broken child cannot
 * hang the build, and nothing is asserted about how long anything takes.
 */
class RocksDbProcessTest {
    private static final long WAIT_SECONDS = 120;

    @TempDir
    Path temp;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigkillDuringCommitsNeverLeavesATornWriteSet() throws Exception {
        Path dir = temp.resolve("store");
        Random random = new Random(20_261_126);
        long recovered = 0;
        for (int round = 0; round < 5; round++) {
            Child child = start(dir, "round-" + round);
            long firstCommit = child.awaitCommit();
            Thread.sleep(random.nextInt(400));
            long acknowledged = child.kill();

            try (TileStore store = RocksDbTileStore.open(dir)) {
                List<Long> tiles = new ArrayList<>();
                store.scan(Space.TILES, GenerationWriter.TILE_PREFIX,
                        (key, value) -> tiles.add(GenerationWriter.generationOf(value)));
                long progress = GenerationWriter.generationOf(store.get(Space.PROGRESS, GenerationWriter.GENERATION_KEY));
                String context = "round " + round + ": first commit " + firstCommit + ", last acknowledged "
                        + acknowledged + ", progress " + progress + ", tiles " + tiles;

                assertThat(tiles).as(context).hasSize(GenerationWriter.KEYS);
                assertThat(tiles.stream().distinct().toList()).as(context).containsExactly(progress);
                assertThat(progress).as(context).isGreaterThanOrEqualTo(acknowledged);
                assertThat(progress).as(context).isGreaterThan(recovered);
                recovered = progress;
            }
        }
    }

    @Test
    void aStoreOpenInAnotherProcessIsReportedAsLocked() throws Exception {
        Path dir = temp.resolve("store").toAbsolutePath();
        Child child = start(dir, "holder");
        child.awaitCommit();

        assertThatThrownBy(() -> RocksDbTileStore.open(dir))
                .isInstanceOf(StoreLockedException.class)
                .hasMessageStartingWith("another Tessera process is using " + dir
                        + "; stop it or use another --data directory");

        child.kill();
        try (TileStore store = RocksDbTileStore.open(dir)) {
            assertThat(store.get(Space.PROGRESS, GenerationWriter.GENERATION_KEY)).isNotNull();
        }
    }

    /**
     * Starts a {@link GenerationWriter} on {@code dir}. Its {@code java.io.tmpdir} is a fresh directory
     * under the test's, because RocksDB unpacks its native library there and a killed JVM cannot
     * delete it.
     */
    private Child start(Path dir, String name) throws IOException {
        Path tmp = Files.createDirectories(temp.resolve("tmp-" + name));
        Path stderr = temp.resolve(name + ".stderr");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx128m", "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), GenerationWriter.class.getName(), dir.toString())
                .redirectError(stderr.toFile())
                .start();
        children.add(process);
        return new Child(process, stderr);
    }

    /** A running {@link GenerationWriter} and a thread reading what it reports. */
    private static final class Child {
        private final Process process;
        private final Path stderr;
        private final AtomicLong lastCommitted = new AtomicLong(-1);
        private final CountDownLatch firstCommit = new CountDownLatch(1);
        private final CompletableFuture<Void> reader;

        Child(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.reader = CompletableFuture.runAsync(this::readReports);
        }

        private void readReports() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("committed ")) {
                        lastCommitted.set(Long.parseLong(line.substring("committed ".length())));
                        firstCommit.countDown();
                    }
                }
            } catch (IOException e) {
                // the pipe breaks when the child is killed: what was read so far is what counts
            }
        }

        /** Waits for the child's first reported commit and returns its generation. */
        long awaitCommit() throws Exception {
            if (!firstCommit.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the child reported no commit; alive=" + process.isAlive()
                        + ", stderr:\n" + Files.readString(stderr));
            }
            return lastCommitted.get();
        }

        /** SIGKILLs the child, waits for it and its reports to end; returns the last commit it reported. */
        long kill() throws Exception {
            boolean aliveWhenKilled = process.isAlive();
            process.destroyForcibly();
            assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("child ended").isTrue();
            reader.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(aliveWhenKilled).as("child was still committing when killed; stderr:\n%s",
                    Files.readString(stderr)).isTrue();
            return lastCommitted.get();
        }
    }
}
