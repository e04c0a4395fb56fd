package dev.tessera.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The payment events of the end-to-end benchmarks, so that every engine measured
 * ({@link RuntimeThroughputBench}, {@link FlinkThroughputBench}) reads the same records: ~250 bytes of
 * JSON as the examples' {@code payments} source describes them, accounts drawn with a cubic skew
 * (account 0 is the hottest; most accounts are seen a few times), ids {@code p-i}.
 */
public final class PaymentEvents {
    private static final String[] COUNTRIES = {"US", "FR", "BR", "IN", "DE", "GB", "NG", "JP"};

    private PaymentEvents() {}

    /** The producer the benchmarks load the broker with: batched, lz4, leader acks. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Sends {@code n} payments {@code p-firstId ...} of {@code accounts} accounts, their event times
     * spread evenly over {@code [from, from + spanMs)}, drawn from {@code rnd}; counts each account's
     * payments into {@code perAccount} when given.
     */
    public static void produceSpan(KafkaProducer<byte[], byte[]> producer, String topic, Random rnd, int firstId, int n,
                                   int accounts, long from, long spanMs, int[] perAccount) {
        for (int i = 0; i < n; i++) {
            int account = account(rnd, accounts);
            if (perAccount != null) {
                perAccount[account]++;
            }
            producer.send(new ProducerRecord<>(topic, paymentOf(rnd, firstId + i, account, from + (long) i * spanMs / n)));
        }
    }

    /**
     * The measured payments ({@code events}, drawn from {@code rnd}, counted into {@code perAccount})
     * to {@code topic}, then, when {@code warmupEvents > 0}, other payments of the same accounts to
     * {@code warmupTopic} (seed 2) for the engines' warm-up runs; both over the last {@code spanMs}.
     */
    public static void produceMeasuredAndWarmup(String bootstrap, String topic, Random rnd, int events, int accounts, long spanMs,
                                                int[] perAccount, String warmupTopic, int warmupEvents) {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            long start = System.nanoTime();
            produceSpan(producer, topic, rnd, 0, events, accounts, System.currentTimeMillis() - spanMs, spanMs, perAccount);
            producer.flush();
            System.out.printf("produced %,d events of %,d accounts to %s in %.1f s%n", events, accounts, topic,
                    (System.nanoTime() - start) / 1e9);
            if (warmupEvents > 0) {
                produceSpan(producer, warmupTopic, new Random(2), 0, warmupEvents, accounts, System.currentTimeMillis() - spanMs, spanMs,
                        new int[accounts]);
                producer.flush();
                System.out.printf("produced %,d warm-up events to %s: each engine runs over them first, in its JVM%n", warmupEvents,
                        warmupTopic);
            }
        }
    }

    /** A payment of one of {@code accounts} accounts, drawn with the cubic skew. */
    public static byte[] payment(Random rnd, int i, int accounts, long eventTime) {
        return paymentOf(rnd, i, account(rnd, accounts), eventTime);
    }

    private static int account(Random rnd, int accounts) {
        return (int) Math.floor(Math.pow(rnd.nextDouble(), 3) * accounts);
    }

    /** The payment {@code p-i} of account {@code a-account}; the other fields are drawn from {@code rnd}. */
    public static byte[] paymentOf(Random rnd, int i, int account, long eventTime) {
        String json = "{\"payment_id\":\"p-" + i + "\",\"account_id\":\"a-" + account + "\",\"card_fingerprint\":\"c-"
                + (account * 3 + rnd.nextInt(3)) + "\",\"merchant_id\":\"m-" + rnd.nextInt(2000) + "\",\"amount\":"
                + (rnd.nextInt(50_000) / 100.0) + ",\"currency\":\"USD\",\"status\":\"" + (rnd.nextInt(10) == 0 ? "DECLINED" : "APPROVED")
                + "\",\"country\":\"" + COUNTRIES[rnd.nextInt(COUNTRIES.length)] + "\",\"device_id\":\"d-" + account
                + "\",\"ip\":\"10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "\",\"event_time\":" + eventTime + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
