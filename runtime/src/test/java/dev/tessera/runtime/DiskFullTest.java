package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.StoreException;
import dev.tessera.store.TileStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk under the store fills up while the runtime commits (issue 11, ADR 026). The store lives on
 * a {@value #DISK_MIB} MiB tmpfs mounted for the test (root only: without the right to mount, the
 * test is skipped with the reason); the broker's log is elsewhere. While a producer produces and the
 * runtime commits every 50 ms, a ballast file takes every free byte of that disk, so the runtime's
 * next store writes fail for real with ENOSPC.
 *
 * <p>Checked: the runtime stops (ADR 026: a full disk stops it, a restart recovers) with an error
 * that names the store's directory and its disk, says it is full and says what to do; it applies
 * nothing after that; it closes without hanging. A restart while the disk is still full fails with
 * the same kind of message. Once the ballast is deleted, a restart over the same store recovers by
 * itself: after more events, every served value equals the naive oracle over every acknowledged
 * event, none lost or counted twice, and the outcome counters equal what the log holds. Prints one
 * summary line. Seeded: {@code -Dtessera.seed=N}.
 */
@Tag("reliability")
class DiskFullTest {
    static final int DISK_MIB = 48;
    static final int ACCOUNTS = 300;
    static final int PER_SECOND = 4_000;
    static final String FS_NAME = "tessera-disk-full-test";

    @TempDir
    Path tmp;

    @Test
    void theStoresDiskFillsUpTheRuntimeStopsClearlyAndARestartRecoversExactly() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        mountOrSkip(disk);
        try {
            run(disk);
        } finally {
            unmount(disk);
        }
    }

    private void run(Path mounted) throws Exception {
        Path disk = mounted.toRealPath();
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        Random rnd = new Random(seed);
        Path storeDir = disk.resolve("store");
        Path ballast = disk.resolve("ballast");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS, PaymentsWorld.TOPIC + ".dlq", 1));
            Path defsDir = PaymentsWorld.writeDefinitions(tmp.resolve("features"));
            Definitions defs = DefinitionLoader.load(defsDir);
            RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(50));
            // as in BrokerRestartTest: event times within 8 minutes of each other, so none is ever late
            long now = System.currentTimeMillis();
            List<PaymentsWorld.Produced> before = stream(rnd, 300_000, now, 0);
            List<PaymentsWorld.Produced> after = stream(rnd, 10_000, now, 1_000_000);

            // 1. the runtime commits while the disk fills up; 2. it is started again while the disk is still full
            int sentBefore;
            Throwable failure;
            long inAtFailure;
            long inLater;
            long ballastBytes;
            long failedAfter;
            long closeTook;
            String storeClose;
            long consumersLeft;
            Throwable whileFull;
            try (ResendingProducer producer = new ResendingProducer(kafka.bootstrapServers(), before, PER_SECOND)) {
                TileStore store = RocksDbTileStore.open(storeDir);
                StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config);
                try {
                    Eventually.await(() -> rt.counters("payments").get("in") >= 20_000, "20,000 records consumed");
                    ballastBytes = fill(ballast);
                    long filledAt = System.nanoTime();
                    Eventually.await(() -> rt.failure() != null, "the runtime to run out of disk");
                    failedAfter = (System.nanoTime() - filledAt) / 1_000_000;
                    failure = rt.failure();
                    inAtFailure = rt.counters("payments").get("in");
                    int sentAtFailure = producer.sent();
                    Eventually.await(() -> producer.sent() >= sentAtFailure + 2_000, "2,000 more records produced");
                    inLater = rt.counters("payments").get("in");
                } finally {
                    long closing = System.nanoTime();
                    rt.close();
                    closeTook = (System.nanoTime() - closing) / 1_000_000;
                    consumersLeft = Thread.getAllStackTraces().keySet().stream()
                            .filter(t -> t.isAlive() && t.getName().equals("tessera-consumer")).count();
                    storeClose = closeQuietly(store);
                }
                whileFull = restartWhileFull(defs, defsDir, storeDir, config);
                producer.finish(60_000);
                sentBefore = producer.sent();
            }

            // 3. space comes back: a restart recovers by itself
            Files.delete(ballast);
            List<NaiveOracle.Ev> good = new ArrayList<>();
            before.subList(0, sentBefore).forEach(p -> {
                if (p.event() != null) {
                    good.add(p.event());
                }
            });
            after.forEach(p -> {
                if (p.event() != null) {
                    good.add(p.event());
                }
            });
            long restarting = System.nanoTime();
            try (TileStore store = RocksDbTileStore.open(storeDir);
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                long restartTook = (System.nanoTime() - restarting) / 1_000_000;
                try (ResendingProducer producer = new ResendingProducer(kafka.bootstrapServers(), after, PER_SECOND)) {
                    producer.awaitAllAcknowledged(60_000);
                }
                long caughtUpAt = System.nanoTime();
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                long caughtUp = (System.nanoTime() - caughtUpAt) / 1_000_000;

                TopicContents log = TopicContents.of(kafka.bootstrapServers());
                Map<String, Long> counters = rt.counters("payments");
                long[] checked = RuntimeCrashTest.lostAndDoubled(rt.reader(), good, ACCOUNTS);
                long deadLetters = TopicContents.count(kafka.bootstrapServers(), PaymentsWorld.TOPIC + ".dlq");
                System.out.printf(Locale.ROOT, "DiskFullTest seed %d: %d MiB disk, ballast %.1f MiB; the runtime failed %.1f s"
                                + " after the disk filled, with %d records consumed; closed in %.1f s; restarted after space"
                                + " came back in %.1f s, caught up %.1f s after the last ack; %d events checked: lost %d,"
                                + " double-counted %d; %d records in the log, %d dead letters for %d malformed; %.1f s%n"
                                + "  failure: %s%n  store close: %s%n  restart while full: %s%n",
                        seed, DISK_MIB, ballastBytes / 1048576.0, failedAfter / 1e3, inAtFailure, closeTook / 1e3,
                        restartTook / 1e3, caughtUp / 1e3, checked[0], checked[1], checked[2], log.records(), deadLetters,
                        log.malformed(), (System.nanoTime() - started) / 1e9, failure, storeClose, whileFull);

                assertThat(failure).as("why the runtime stopped").hasRootCauseInstanceOf(org.rocksdb.RocksDBException.class);
                String full = "the disk holding the store at " + storeDir + " is full (file system " + disk + " (" + FS_NAME + "), ";
                assertThat(failure.getMessage()).as("the runtime's failure, as health and diagnostics show it")
                        .startsWith("could not commit to the store: " + full)
                        .contains("free some space, then restart");
                assertThat(inLater).as("records consumed after the failure").isEqualTo(inAtFailure);
                assertThat(consumersLeft).as("consumer threads left running after the failed runtime was closed").isZero();
                assertThat(storeClose).as("closing the store after the failure")
                        .satisfiesAnyOf(c -> assertThat(c).isEqualTo("closed"), c -> assertThat(c).contains("an earlier write to it failed"));
                assertThat(whileFull).as("a restart while the disk is still full").isNotNull();
                assertThat(whileFull.getMessage()).contains(full);
                assertThat(rt.failure()).as("the runtime after the restart").isNull();
                assertThat(log.goodIds()).as("every acknowledged event is in the log").hasSize(good.size());
                assertThat(checked).as("events checked, lost, double-counted").containsExactly(good.size(), 0, 0);
                assertThat(counters.get("accepted")).isEqualTo(good.size());
                assertThat(counters.get("duplicate")).isEqualTo(log.goodCopies() - good.size());
                assertThat(counters.get("malformed")).isEqualTo(log.malformed());
                assertThat(counters.get("in")).isEqualTo(log.records());
                assertThat(deadLetters).as("dead letters (at least once around the failure)").isGreaterThanOrEqualTo(log.malformed());
                RuntimeEndToEndTest.assertMatchesOracle(rt.reader(), good, ACCOUNTS);
            }
        }
    }

    /** Payments of {@link #ACCOUNTS} accounts, with resends and garbage. */
    private static List<PaymentsWorld.Produced> stream(Random rnd, int n, long now, int idOffset) {
        return PaymentsWorld.withResendsAndGarbage(rnd,
                PaymentsWorld.payments(rnd, n, ACCOUNTS, now - 9 * 60_000L, now - 6 * 60_000L, idOffset));
    }

    /**
     * Opens the store and starts a runtime on it while the disk is full and events keep coming: closing
     * the store gave back the space RocksDB had set aside for its log, so the runtime may run a while
     * before the disk is full again. Returns what failed.
     */
    private static Throwable restartWhileFull(Definitions defs, Path defsDir, Path storeDir, RuntimeConfig config) {
        TileStore store;
        try {
            store = RocksDbTileStore.open(storeDir);
        } catch (StoreException e) {
            return e;
        }
        try (StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
            Eventually.await(() -> rt.failure() != null, "the restarted runtime to run out of disk");
            return rt.failure();
        } catch (RuntimeException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            closeQuietly(store);
        }
    }

    private static String closeQuietly(TileStore store) {
        try {
            store.close();
            return "closed";
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /** Writes {@code file} until the disk is full; returns its size. */
    private static long fill(Path file) throws IOException {
        long written = 0;
        ByteBuffer block = ByteBuffer.allocate(1 << 16);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                block.clear();
                written += ch.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        return written;
    }

    /** Mounts a small tmpfs on {@code dir}, or skips the test saying why it cannot. */
    private static void mountOrSkip(Path dir) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
                "DiskFullTest mounts a tmpfs: Linux only, this is " + System.getProperty("os.name"));
        String said;
        int rc;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + DISK_MIB + "m", FS_NAME,
                    dir.toString()).redirectErrorStream(true).start();
            said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            rc = p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            said = e.getMessage();
            rc = -1;
        }
        Assumptions.assumeTrue(rc == 0, "DiskFullTest needs to mount a " + DISK_MIB + " MiB tmpfs, which takes root"
                + " (CAP_SYS_ADMIN); mount answered " + rc + ": " + said);
    }

    private static void unmount(Path dir) throws Exception {
        Process p = new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            new ProcessBuilder("umount", "-l", dir.toString()).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
