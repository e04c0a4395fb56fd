package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away mid-stream and comes back (issue 11). The in-process broker is stopped
 * (cleanly) while the runtime, over RocksDB, consumes and a producer produces, stays down for
 * {@code OUTAGE_MILLIS} ms, and is started again over the same log directory on the same port. The
 * producer is an application's at-least-once producer ({@link ResendingProducer}): its sends fail
 * during the outage and it sends them again, so the log may hold some records twice; it also sends
 * 1 in 50 payments twice on purpose and 1 in 500 records that are not JSON, which the runtime
 * dead-letters through its own producer ({@link PaymentsWorld#withResendsAndGarbage}). The runtime is
 * the same instance from start to end.
 *
 * <p>Checked: the runtime never fails; while the broker is down its diagnostics say so
 * ({@link StreamRuntime#brokerSilenceMillis} grows past {@value #SILENCE_MILLIS} ms, where a broker
 * that answers keeps it under a second) and once it is back they say so again; afterwards every
 * served value equals the naive oracle over the produced events, each counted once, and the outcome
 * counters equal what the log holds (every copy of a good event beyond the first is a duplicate).
 * Prints one summary line. Seeded: {@code -Dtessera.seed=N}. The outage lasts
 * {@code -Dtessera.broker.outage.ms} (default {@value #DEFAULT_OUTAGE_MILLIS}; 150,000 outlasts the Kafka
 * producers' default delivery timeout of 2 minutes, and passed on 2026-11-27: docs/RELIABILITY.md).
 */
@Tag("reliability")
class BrokerRestartTest {
    static final int EVENTS = 30_000;
    static final int PER_SECOND = 2_500;
    static final int ACCOUNTS = 60;
    static final long DEFAULT_OUTAGE_MILLIS = 6_000;
    static final long OUTAGE_MILLIS = Long.getLong("tessera.broker.outage.ms", DEFAULT_OUTAGE_MILLIS);
    /** Broker silence that only an outage explains: a broker that is up answers an idle fetch within 0.5 s. */
    static final long SILENCE_MILLIS = 2_000;

    @TempDir
    Path tmp;

    @Test
    void theBrokerRestartsMidStreamAndEveryValueStillEqualsTheOracle() throws Exception {
        long started = System.nanoTime();
        long seed = Long.getLong("tessera.seed", 7);
        Random rnd = new Random(seed);
        Path logDir = tmp.resolve("kafka");
        int port = freePort();
        EmbeddedKafka kafka = EmbeddedKafka.start(logDir, port);
        try {
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS, PaymentsWorld.TOPIC + ".dlq", 1));
            Path defsDir = PaymentsWorld.writeDefinitions(tmp.resolve("features"));
            Definitions defs = DefinitionLoader.load(defsDir);
            // event times span 3 minutes (plus the generator's disorder of up to 5): however resends reorder
            // a partition, no event is ever 10 minutes (the lateness) behind another, so none is late
            long now = System.currentTimeMillis();
            List<PaymentsWorld.Produced> toSend = PaymentsWorld.withResendsAndGarbage(rnd,
                    PaymentsWorld.payments(rnd, EVENTS, ACCOUNTS, now - 9 * 60_000L, now - 6 * 60_000L, 0));
            List<NaiveOracle.Ev> good = toSend.stream().map(PaymentsWorld.Produced::event).filter(e -> e != null).toList();

            try (TileStore store = RocksDbTileStore.open(tmp.resolve("store"));
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store,
                         RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(100)));
                 ResendingProducer producer = new ResendingProducer(kafka.bootstrapServers(), toSend, PER_SECOND)) {
                // stop the broker once a third is produced and the runtime has applied some of it
                Eventually.await(() -> producer.sent() >= toSend.size() / 3 && rt.counters("payments").get("in") > 0, "a third produced");
                long appliedBefore = rt.counters("payments").get("in");
                long silenceBefore = rt.brokerSilenceMillis("payments");
                long stopAt = System.nanoTime();
                kafka.close();
                Eventually.await(() -> rt.brokerSilenceMillis("payments") > SILENCE_MILLIS, "the runtime to notice the broker is gone");
                long noticedAfter = (System.nanoTime() - stopAt) / 1_000_000;
                SourceDiagnostics during = rt.diagnostics("payments");
                Throwable failureDuring = rt.failure();
                long sleepLeft = OUTAGE_MILLIS - (System.nanoTime() - stopAt) / 1_000_000;
                if (sleepLeft > 0) {
                    Thread.sleep(sleepLeft);
                }
                long silenceAtRestart = rt.brokerSilenceMillis("payments");
                long restartAt = System.nanoTime();
                long outage = (restartAt - stopAt) / 1_000_000;
                kafka = EmbeddedKafka.start(logDir, port);
                long restartTook = (System.nanoTime() - restartAt) / 1_000_000;
                Eventually.await(() -> rt.brokerSilenceMillis("payments") < SILENCE_MILLIS, "the runtime to hear from the broker again");
                long answeredAfter = (System.nanoTime() - restartAt) / 1_000_000;
                int sentBeforeRestart = producer.sent();
                Eventually.await(() -> rt.counters("payments").get("in") >= sentBeforeRestart, "the outage's backlog to be read");
                long backlogReadAfter = (System.nanoTime() - restartAt) / 1_000_000;

                producer.awaitAllAcknowledged(60_000);
                long producedAt = System.nanoTime();
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                long caughtUpAfter = (System.nanoTime() - producedAt) / 1_000_000;

                TopicContents log = TopicContents.of(kafka.bootstrapServers());
                Map<String, Long> counters = rt.counters("payments");
                long[] checked = RuntimeCrashTest.lostAndDoubled(rt.reader(), good, ACCOUNTS);
                long deadLetters = TopicContents.count(kafka.bootstrapServers(), PaymentsWorld.TOPIC + ".dlq");
                System.out.printf(Locale.ROOT, "BrokerRestartTest seed %d: broker down %.1f s (restart %.1f s), %d of %d records"
                                + " consumed before; %d events checked: lost %d, double-counted %d; %d sends failed and resent,"
                                + " the log holds %d records (%d duplicates, %d malformed); silence seen after %.1f s, %.1f s at"
                                + " the restart, answered %.1f s after it; what was sent before it read %.1f s after it;"
                                + " caught up %.1f s after the last ack; %.1f s%n",
                        seed, outage / 1e3, restartTook / 1e3, appliedBefore, toSend.size(), checked[0], checked[1], checked[2],
                        producer.resends(), log.records(), log.goodCopies() - good.size(), log.malformed(), noticedAfter / 1e3,
                        silenceAtRestart / 1e3, answeredAfter / 1e3, backlogReadAfter / 1e3, caughtUpAfter / 1e3, (System.nanoTime() - started) / 1e9);

                assertThat(failureDuring).as("the runtime's failure while the broker was down").isNull();
                assertThat(rt.failure()).as("the runtime's failure after the broker came back").isNull();
                assertThat(appliedBefore).as("records consumed before the broker stopped").isBetween(1L, (long) toSend.size() - 1);
                assertThat(silenceBefore).as("broker silence while the broker was up").isLessThan(SILENCE_MILLIS);
                assertThat(during.brokerSilenceMillis()).as("the diagnostics while the broker was down")
                        .isGreaterThan(SILENCE_MILLIS);
                assertThat(log.goodIds()).as("every produced event is in the log at least once").hasSize(good.size());
                assertThat(checked).as("events checked, lost, double-counted").containsExactly(good.size(), 0, 0);
                assertThat(counters.get("accepted")).isEqualTo(good.size());
                assertThat(counters.get("duplicate")).isEqualTo(log.goodCopies() - good.size());
                assertThat(counters.get("malformed")).isEqualTo(log.malformed());
                assertThat(counters.get("in")).isEqualTo(log.records());
                assertThat(deadLetters).as("dead letters").isEqualTo(log.malformed());
                RuntimeEndToEndTest.assertMatchesOracle(rt.reader(), good, ACCOUNTS);
            }
        } finally {
            kafka.close();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
