package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog far larger than the heap never exhausts memory (issue: "a burst at 10 times the normal
 * rate slows consumption and never exhausts memory").
 *
 * <p>Before the runtime starts, the test produces {@value #RECORDS} payments of about 280 bytes
 * (about 415 MB, uncompressed on the broker). It then runs the runtime in a child JVM with
 * {@code -Xmx}{@value #HEAP} over RocksDB, with four groups on the source (for
 * {@value #ACCOUNTS} accounts, 50 cards, 10 merchants, 4 countries), so applying an event costs more
 * than decoding it: the applier is the bottleneck, and the consumer is held back by the bounded
 * queue between them, which is the "slows consumption" half of the requirement. The child must catch up
 * with every record, report counters that account for all of them, and exit 0. An
 * {@code OutOfMemoryError} anywhere ends it with a non-zero status
 * ({@code -XX:+ExitOnOutOfMemoryError}).
 *
 * <p>Sizing, measured on the 2-core build machine: this state plus the bounded in-flight data
 * needs between 96 MB (out of memory) and 112 MB (passes) of heap, so {@value #HEAP} leaves
 * about a third of the heap spare. A decoded record takes about 1 KB on the heap, so buffering even
 * a tenth of the backlog does not fit. Both regressions this test is meant to catch make it fail:
 * an unbounded queue to the applier runs out of memory after about 65,000 records, and so does a
 * consumer "tuned" to fetch 64 MB per partition. The child also reports how often a sampler found
 * the consumer waiting on the full queue, and the test requires that to happen at least once. If
 * the applier ever outruns the decoder, the test then says it no longer exercises the bound,
 * instead of passing without exercising it.
 *
 * <p>Afterwards the test restarts the runtime over the child's store in this JVM and compares a few
 * accounts with the oracle, so a run that "survived" by dropping data would fail too.
 *
 * <p>Event times are spread over the last day, in order per partition and within the lateness
 * bound: a backlog replayed from the log, not a storm of late events. The ids held for
 * deduplication depend on event time (the horizon), not on the size of the backlog (see
 * {@code Deduplicator}).
 */
class BoundedMemoryTest {
    static final int RECORDS = 1_500_000;
    static final int ACCOUNTS = 300;
    static final String HEAP = "160m";
    static final long HOUR = 3_600_000L;
    /** Accounts whose values are compared with the oracle at the end. */
    static final List<String> CHECKED = List.of("acct-0", "acct-1", "acct-2", "acct-" + ACCOUNTS / 2, "acct-" + (ACCOUNTS - 1));

    /**
     * The account group of {@link PaymentsWorld} plus three more groups on the same source, as a
     * payments source usually feeds (card, merchant, country): applying an event then costs more
     * than decoding it, so the applier is the bottleneck and the consumer must be held back.
     */
    static final String DEFINITIONS = PaymentsWorld.DEFINITIONS + """
            ---
            kind: Entity
            name: card
            keys: [card]
            ---
            kind: Entity
            name: merchant
            keys: [merchant]
            ---
            kind: Entity
            name: country
            keys: [country]
            ---
            kind: FeatureGroup
            name: card_payments
            source: payments
            entity: card
            features:
              - { name: payment_count,    agg: count, windows: [10m, 1h, 1d] }
              - { name: declined_count,   agg: count, where: "status == 'DECLINED'", windows: [1h, 1d] }
              - { name: amount_sum,       agg: sum, of: amount, windows: [1h, 1d] }
              - { name: distinct_accounts, agg: approx_distinct, of: account_id, windows: [1h, 1d] }
              - { name: amount_p90,       agg: approx_percentile, p: 0.9, of: amount, windows: [1d] }
              - { name: top_merchants,    agg: top_k, k: 3, of: merchant, windows: [1d] }
              - { name: last_country,     agg: last, of: country }
            ---
            kind: FeatureGroup
            name: merchant_payments
            source: payments
            entity: merchant
            features:
              - { name: payment_count,     agg: count, windows: [10m, 1h, 1d] }
              - { name: declined_count,    agg: count, where: "status == 'DECLINED'", windows: [10m, 1h] }
              - { name: amount_sum,        agg: sum, of: amount, windows: [1h, 1d] }
              - { name: amount_max,        agg: max, of: amount, windows: [1d] }
              - { name: distinct_accounts, agg: approx_distinct, of: account_id, windows: [1h, 1d] }
              - { name: distinct_cards,    agg: approx_distinct, of: card, windows: [1d] }
              - { name: amount_p50,        agg: approx_percentile, p: 0.5, of: amount, windows: [1h, 1d] }
              - { name: recent_accounts,   agg: last_k, k: 5, of: account_id, windows: [1h] }
            ---
            kind: FeatureGroup
            name: country_payments
            source: payments
            entity: country
            features:
              - { name: payment_count,     agg: count, windows: [10m, 1h, 1d] }
              - { name: amount_sum,        agg: sum, of: amount, windows: [1h, 1d] }
              - { name: distinct_accounts, agg: approx_distinct, of: account_id, windows: [1h, 1d] }
              - { name: top_merchants,     agg: top_k, k: 5, of: merchant, windows: [1h] }
            """;

    @TempDir
    Path tmp;

    @Test
    void aBacklogManyTimesTheHeapIsConsumedInFullWithoutRunningOutOfMemory() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS));
            Path defsDir = Files.createDirectories(tmp.resolve("features"));
            Files.writeString(defsDir.resolve("payments.yaml"), DEFINITIONS);
            Path storeDir = tmp.resolve("store");
            long end = System.currentTimeMillis() - 60_000;
            long start = end - 24 * HOUR;

            long[] bytes = {0};
            produce(kafka.bootstrapServers(), start, end, bytes);
            assertThat(bytes[0]).as("bytes produced").isGreaterThan(RECORDS * 240L);

            List<String> output = runChild(kafka.bootstrapServers(), defsDir, storeDir);
            String all = String.join("\n", output);
            output.stream().filter(l -> l.matches("^(MAX_HEAP|CONSUMER_SAMPLES|COUNTERS) .*"))
                    .forEach(l -> System.out.println("child: " + l));
            System.out.println("produced: " + RECORDS + " records, " + bytes[0] + " bytes");
            assertThat(all).as("child output").doesNotContain("OutOfMemoryError");
            long maxHeap = Long.parseLong(line(output, "MAX_HEAP ", all));
            assertThat(maxHeap).as("the child's heap limit (-Xmx%s), against the %d bytes of backlog", HEAP, bytes[0])
                    .isLessThan(bytes[0] / 2);
            Map<String, Long> counters = new LinkedHashMap<>();
            for (String kv : line(output, "COUNTERS", all).trim().split(" ")) {
                String[] p = kv.split("=");
                counters.put(p[0], Long.parseLong(p[1]));
            }
            assertThat(counters.get("in")).as("records consumed").isEqualTo((long) RECORDS);
            assertThat(counters.get("accepted")).as("records applied").isEqualTo((long) RECORDS);
            String[] samples = line(output, "CONSUMER_SAMPLES ", all).split(" ");
            assertThat(Long.parseLong(samples[0]))
                    .as("samples (of %s) finding the consumer held back by the full queue: if none, the applier"
                            + " outran the consumer and this test no longer exercises the bound", samples[1])
                    .isPositive();

            // the values the small heap computed are right, not merely computed
            List<NaiveOracle.Ev> checked = new ArrayList<>();
            generate(start, end, (partition, key, value, account, fields) -> {
                if (CHECKED.contains(account)) {
                    checked.add(new NaiveOracle.Ev((Long) fields.get("event_time"), (String) fields.get("payment_id"), fields));
                }
            });
            Definitions defs = DefinitionLoader.load(defsDir);
            try (TileStore store = RocksDbTileStore.open(storeDir);
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store,
                         RuntimeConfig.defaults(kafka.bootstrapServers()).withDeadLetters(false))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                assertThat(rt.counters("payments").get("in")).as("nothing left to consume").isEqualTo((long) RECORDS);
                long now = System.currentTimeMillis();
                for (String account : CHECKED) {
                    FeatureValues v = rt.reader().read("account_payments", List.of(account), now);
                    assertThat(v.found()).as("%s has state", account).isTrue();
                    Map<String, Object> expected = PaymentsWorld.expected(checked, account, v.asOf());
                    PaymentsWorld.oracleSpecs().forEach((name, spec) -> OracleAssertions.assertMatches(
                            Aggregation.fromYaml(spec.agg()).orElseThrow(), 0.5, spec.k(),
                            account + "." + name + " at " + v.asOf(), v.asMap().get(name), expected.get(name)));
                }
            }
        }
    }

    private static String line(List<String> output, String prefix, String all) {
        return output.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElseGet(() -> fail("no line starting with '" + prefix + "' in the child's output:\n" + all));
    }

    @FunctionalInterface
    interface RecordSink {
        void accept(int partition, String key, byte[] value, String account, Map<String, Object> fields);
    }

    /**
     * The backlog, deterministically: payments over [start, end) in time order with up to 5 minutes
     * of disorder (half the lateness, so none is late), partitioned by account, about 250 bytes each.
     * {@code fields} is built only for the accounts the oracle checks (null for the others).
     */
    static void generate(long start, long end, RecordSink sink) {
        Random rnd = new Random(1234);
        StringBuilder sb = new StringBuilder(320);
        String[] statuses = {"APPROVED", "APPROVED", "APPROVED", "APPROVED", "DECLINED"};
        String[] countries = {"US", "FR", "BR", "IN"};
        for (int i = 0; i < RECORDS; i++) {
            long t = start + (end - start) * i / RECORDS - rnd.nextInt(300_000);
            int a = rnd.nextInt(ACCOUNTS);
            String account = "acct-" + a;
            String id = "pay-" + i;
            int amountKind = rnd.nextInt(20);
            Object amount = amountKind == 0 ? null : amountKind < 5 ? (Object) (rnd.nextInt(100_000) / 100.0)
                    : (Object) (long) rnd.nextInt(5000);
            String status = statuses[rnd.nextInt(statuses.length)];
            String card = "card-" + rnd.nextInt(50);
            String merchant = "m-" + rnd.nextInt(10);
            String country = countries[rnd.nextInt(countries.length)];
            int ip = rnd.nextInt();
            sb.setLength(0);
            sb.append("{\"payment_id\":\"").append(id).append("\",\"account_id\":\"").append(account)
                    .append("\",\"event_time\":").append(t);
            if (amount != null) {
                sb.append(",\"amount\":").append(amount);
            }
            sb.append(",\"currency\":\"USD\",\"status\":\"").append(status).append("\",\"card\":\"").append(card)
                    .append("\",\"merchant\":\"").append(merchant).append("\",\"country\":\"").append(country)
                    .append("\",\"ip\":\"").append((ip >>> 24) & 0xFF).append('.').append((ip >>> 16) & 0xFF).append('.')
                    .append((ip >>> 8) & 0xFF).append('.').append(ip & 0xFF)
                    .append("\",\"device\":{\"os\":\"android\",\"app_version\":\"7.12.").append(i % 10)
                    .append("\"},\"channel\":\"card_not_present\"}");
            Map<String, Object> fields = null;
            if (CHECKED.contains(account)) {
                fields = new LinkedHashMap<>();
                fields.put("payment_id", id);
                fields.put("account_id", account);
                fields.put("event_time", t);
                if (amount != null) {
                    fields.put("amount", amount);
                }
                fields.put("status", status);
                fields.put("card", card);
                fields.put("merchant", merchant);
                fields.put("country", country);
            }
            sink.accept(a % PaymentsWorld.PARTITIONS, account, sb.toString().getBytes(StandardCharsets.UTF_8), account, fields);
        }
    }

    private static void produce(String bootstrap, long start, long end, long[] bytes) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"); // the backlog on the broker is as large as it looks
        AtomicReference<Exception> failed = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            generate(start, end, (partition, key, value, account, fields) -> {
                bytes[0] += value.length;
                producer.send(new ProducerRecord<>(PaymentsWorld.TOPIC, partition, key, value), (md, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    } else {
                        acked.incrementAndGet();
                    }
                });
            });
            producer.flush();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        assertThat(acked.get()).as("records acknowledged by the broker").isEqualTo(RECORDS);
    }

    /** Runs {@link BoundedMemoryRuntimeMain} with a small heap and returns its output (stdout and stderr). */
    private List<String> runChild(String bootstrap, Path defsDir, Path storeDir) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path childTmp = Files.createDirectories(tmp.resolve("child-tmp")); // RocksDB unpacks its native library here
        Process child = new ProcessBuilder(javaBin, "-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError",
                "-Djava.io.tmpdir=" + childTmp, "-cp", System.getProperty("java.class.path"),
                BoundedMemoryRuntimeMain.class.getName(), bootstrap, defsDir.toString(), storeDir.toString())
                .redirectErrorStream(true).start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                    output.add(l);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "child-output");
        reader.start();
        try {
            // a guard against a hung child, not a speed assertion: catching up takes seconds
            if (!child.waitFor(10, TimeUnit.MINUTES)) {
                fail("the child did not finish within 10 minutes; output so far:\n" + String.join("\n", output));
            }
        } finally {
            child.destroyForcibly();
        }
        reader.join();
        List<String> lines = List.copyOf(output);
        assertThat(child.exitValue()).as("exit status of the child; its output:\n%s", String.join("\n", lines)).isZero();
        return lines;
    }
}
