package dev.tessera.bench.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tessera.bench.e2e.KafkaStreamsBuckets.Bucket1d;
import dev.tessera.bench.e2e.KafkaStreamsBuckets.Bucket1h;
import dev.tessera.bench.e2e.KafkaStreamsBuckets.Bucket5m;
import dev.tessera.bench.e2e.KafkaStreamsBuckets.LastCountry;
import dev.tessera.bench.e2e.KafkaStreamsBuckets.Payment;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The peer a team would write instead of Tessera's embedded runtime for the examples'
 * {@code account_payments} group (examples/commerce/groups/account_payments.yaml): a Kafka Streams
 * application, written as its experts write windowed features, measured by
 * {@link KafkaStreamsThroughputBench}.
 *
 * <h2>Topology</h2>
 * <pre>
 *   payments (JSON, 4 partitions)
 *     → parse (Jackson's streaming parser) and re-key by account_id; the record's timestamp becomes event_time
 *     → repartition "by-account" (4 partitions; {@link Payment} in 17 bytes + 3 strings instead of ~250 of JSON)
 *     ├→ tumbling 10s window, count                     → window store "per-10s"  (payment_count_10m)
 *     ├→ tumbling 5m  window, aggregate {@link Bucket5m} → window store "per-5m"   (the 1h features)
 *     ├→ tumbling 1h  window, aggregate {@link Bucket1h} → window store "per-1h"   (the 1d and 7d features)
 *     ├→ tumbling 1d  window, aggregate {@link Bucket1d} → window store "per-1d"   (the 30d features)
 *     └→ aggregate {@link LastCountry}                   → key-value store "last-country" (lifetime)
 * </pre>
 * One repartition, then one windowed aggregation per distinct hop, each window the hop Tessera uses
 * for those features ({@code Feature.hopFor}: 10m→10s, 1h→5m, 1d and 7d→1h, 30d→1d;
 * {@link #HOPS} is checked against the definitions by the benchmark). Features are read as Tessera
 * reads its tiles: {@link #features} fetches the range of tumbling windows a feature's window covers
 * and merges them ({@code WindowSpec}: windows starting in {@code [floor_hop(t - W), t)}), by
 * interactive queries. The obvious alternative, {@code TimeWindows.ofSizeAndGrace(W, ...).advanceBy(hop)}
 * (hopping windows of each feature's length), would copy every event into {@code W / hop} windows (60
 * for the 10m count, 168 for the 7d features) and update as many aggregates: a weak baseline.
 *
 * <h2>Settings</h2>
 * {@code processing.guarantee=exactly_once_v2} (Tessera is exactly-once; the recommended EOS mode),
 * {@code topology.optimization=all} (the documentation recommends it; here it changes nothing, the
 * one repartition is explicit), {@code commit.interval.ms=1000} (Tessera's commit interval: the same
 * cadence of durable, visible state; EOS's default of 100 ms cost the baseline 16 % of its events/s,
 * session 16 in bench/RESULTS.md), everything else the defaults: the record cache (10 MB), RocksDB
 * window stores with Kafka Streams' RocksDB configuration, changelogged. Retention = the longest window read from the store plus its hop plus the grace.
 * {@code num.stream.threads} is the caller's (1 for a per-core figure). Tried and not kept: a 256 MB
 * record cache (2M events: 9,649 events per CPU-second against 10,590 with 10 MB; the flushes it saved
 * went to GC, the cache being on-heap objects).
 *
 * <h2>Grace: the source's lateness, plus the skew of a replay</h2>
 * Tessera (and Flink) call an event late when it is older than the <em>slowest</em> input
 * partition's newest event time minus the lateness (examples/commerce/sources.yaml: 10m). Kafka
 * Streams measures a window's grace against the stream time of the task, the newest event time seen
 * on its repartition partition, which merges every input partition: the <em>fastest</em> one. Live,
 * the partitions advance with the clock and the two agree; in a replay of a backlog each input
 * partition is its own task and they advance by records, not by time, so the stream time runs ahead
 * of the slow partitions by up to the backlog's span. Measured on the benchmark's topic with
 * grace = 10m: 200,000 events over an hour (the producer's sticky batches left partitions of 37K to
 * 69K events) lost 57% of the events from the 10-second windows and 18% from the hourly ones as
 * late; 2,000,000 events (partitions more even) lost none. So the grace is {@link #LATENESS} plus
 * the span of the backlog replayed (the caller's; the benchmark passes its event span), what a team
 * replaying history with Kafka Streams has to do; with no downstream of the aggregations it costs
 * only a longer retention (the 2M-event figures are the same with either grace).
 *
 * <h2>Left out, as the Flink SQL baseline leaves it out</h2>
 * Dedup by payment_id (the generator makes no duplicates; a dedup store would cost the baseline
 * another RocksDB read and write per event). Events that are not JSON or lack account_id or
 * event_time are counted and dropped (Tessera dead-letters them); the generator makes none.
 */
final class KafkaStreamsBaseline {
    /** The tumbling window of each store: Tessera's hop for the features it holds. */
    static final Map<String, Duration> HOPS = Map.of(
            "10m", Duration.ofSeconds(10), "1h", Duration.ofMinutes(5), "1d", Duration.ofHours(1), "7d", Duration.ofHours(1),
            "30d", Duration.ofDays(1));
    /** The source's lateness (examples/commerce/sources.yaml, payments): the least grace of a window. */
    static final Duration LATENESS = Duration.ofMinutes(10);
    static final String REPARTITION = "by-account";
    static final String PER_10S = "per-10s";
    static final String PER_5M = "per-5m";
    static final String PER_1H = "per-1h";
    static final String PER_1D = "per-1d";
    static final String LAST_COUNTRY = "last-country";
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private KafkaStreamsBaseline() {}

    /** Tessera's commit interval ({@code RuntimeConfig.defaults}), which the baseline commits at too. */
    static final Duration COMMIT_INTERVAL = dev.tessera.runtime.RuntimeConfig.defaults("unused:9092").commitInterval();

    /** The application's settings: exactly-once v2, topology optimization, Tessera's commit interval, the defaults otherwise. */
    static Properties settings(String applicationId, String bootstrap, Path stateDir, int threads) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL.toMillis());
        return p;
    }

    /**
     * The topology over {@code topic} ({@code partitions} partitions: the repartition topic gets as
     * many), every window with {@code grace} (class comment: at least {@link #LATENESS}); events that
     * do not parse are counted in {@code invalid} and dropped.
     */
    static Topology topology(String topic, int partitions, Duration grace, Properties settings, LongAdder invalid) {
        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, Payment> byAccount = builder
                .stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("payments"))
                .process(() -> new PaymentParser(invalid), Named.as("parse-and-key-by-account"))
                .repartition(Repartitioned.<String, Payment>as(REPARTITION).withKeySerde(Serdes.String())
                        .withValueSerde(Payment.SERDE).withNumberOfPartitions(partitions))
                .groupByKey(Grouped.with(Serdes.String(), Payment.SERDE));

        byAccount.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), grace))
                .count(Named.as("count-10s"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(PER_10S)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()).withRetention(retention(10 * MINUTE, 10_000, grace)));
        byAccount.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(5), grace))
                .aggregate(Bucket5m::new, (account, p, b) -> b.add(p), Named.as("aggregate-5m"),
                        Materialized.<String, Bucket5m, WindowStore<Bytes, byte[]>>as(PER_5M).withKeySerde(Serdes.String())
                                .withValueSerde(Bucket5m.SERDE).withRetention(retention(HOUR, 5 * MINUTE, grace)));
        byAccount.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofHours(1), grace))
                .aggregate(Bucket1h::new, (account, p, b) -> b.add(p), Named.as("aggregate-1h"),
                        Materialized.<String, Bucket1h, WindowStore<Bytes, byte[]>>as(PER_1H).withKeySerde(Serdes.String())
                                .withValueSerde(Bucket1h.SERDE).withRetention(retention(7 * DAY, HOUR, grace)));
        byAccount.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofDays(1), grace))
                .aggregate(Bucket1d::new, (account, p, b) -> b.add(p), Named.as("aggregate-1d"),
                        Materialized.<String, Bucket1d, WindowStore<Bytes, byte[]>>as(PER_1D).withKeySerde(Serdes.String())
                                .withValueSerde(Bucket1d.SERDE).withRetention(retention(30 * DAY, DAY, grace)));
        byAccount.aggregate(() -> LastCountry.NONE, (account, p, last) -> last.add(p), Named.as("aggregate-last-country"),
                Materialized.<String, LastCountry, KeyValueStore<Bytes, byte[]>>as(LAST_COUNTRY)
                        .withKeySerde(Serdes.String()).withValueSerde(LastCountry.SERDE));
        return builder.build(settings);
    }

    /** Long enough to read the longest window of the store at stream time, and for late events. */
    private static Duration retention(long longestWindowMs, long hopMs, Duration grace) {
        return Duration.ofMillis(longestWindowMs + hopMs + grace.toMillis());
    }

    /**
     * Parses a payment with Jackson's streaming parser (the fields the features read, the others
     * skipped) and forwards it keyed by account, its timestamp the event time.
     */
    static final class PaymentParser implements Processor<byte[], byte[], String, Payment> {
        private static final JsonFactory JSON = new JsonFactory();
        private final LongAdder invalid;
        private ProcessorContext<String, Payment> context;

        PaymentParser(LongAdder invalid) {
            this.invalid = invalid;
        }

        @Override
        public void init(ProcessorContext<String, Payment> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            String account = null;
            String card = "";
            String merchant = "";
            String country = "";
            boolean declined = false;
            double amount = 0;
            long eventTime = Long.MIN_VALUE;
            try (JsonParser in = JSON.createParser(record.value())) {
                if (in.nextToken() != JsonToken.START_OBJECT) {
                    invalid.increment();
                    return;
                }
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String field = in.currentName();
                    JsonToken value = in.nextToken();
                    if (value == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    switch (field) {
                        case "account_id" -> account = in.getText();
                        case "card_fingerprint" -> card = in.getText();
                        case "merchant_id" -> merchant = in.getText();
                        case "country" -> country = in.getText();
                        case "status" -> declined = "DECLINED".equals(in.getText());
                        case "amount" -> amount = in.getDoubleValue();
                        case "event_time" -> eventTime = in.getLongValue();
                        default -> in.skipChildren();
                    }
                }
            } catch (IOException | RuntimeException e) {
                invalid.increment();
                return;
            }
            if (account == null || eventTime == Long.MIN_VALUE) {
                invalid.increment();
                return;
            }
            context.forward(new Record<>(account, new Payment(eventTime, declined, amount, card, merchant, country), eventTime));
        }
    }

    /**
     * Every feature of {@code account} at time {@code now}, by interactive queries: each window the
     * merge of the tumbling windows it covers, as Tessera merges its tiles at read.
     */
    static Map<String, Object> features(KafkaStreams streams, String account, long now) {
        Map<String, Object> out = new LinkedHashMap<>();
        long count10m = 0;
        try (WindowStoreIterator<Long> it = KafkaStreamsBaseline.<Long>fetch(streams, PER_10S, account, now, 10 * MINUTE, 10_000)) {
            while (it.hasNext()) {
                count10m += it.next().value;
            }
        }
        out.put("payment_count_10m", count10m);

        Bucket5m hour = new Bucket5m();
        try (WindowStoreIterator<Bucket5m> it = KafkaStreamsBaseline.<Bucket5m>fetch(streams, PER_5M, account, now, HOUR, 5 * MINUTE)) {
            while (it.hasNext()) {
                Bucket5m b = it.next().value;
                hour.count += b.count;
                hour.declined += b.declined;
                hour.amountSum += b.amountSum;
            }
        }
        out.put("payment_count_1h", hour.count);
        out.put("declined_count_1h", hour.declined);
        out.put("amount_sum_1h", hour.amountSum);

        long day0 = firstWindowStart(now, DAY, HOUR);
        long count1d = 0;
        long count7d = 0;
        long declined1d = 0;
        double sum1d = 0;
        KllDoublesSketch amounts7d = KllDoublesSketch.newHeapInstance(KafkaStreamsBuckets.KLL_K);
        Union cards1d = new Union(KafkaStreamsBuckets.HLL_LG_K);
        ItemsSketch<String> merchants7d = new ItemsSketch<>(KafkaStreamsBuckets.TOP_K_MAP_SIZE);
        List<KeyValue<Long, String>> last = new ArrayList<>();
        try (WindowStoreIterator<Bucket1h> it = KafkaStreamsBaseline.<Bucket1h>fetch(streams, PER_1H, account, now, 7 * DAY, HOUR)) {
            while (it.hasNext()) {
                KeyValue<Long, Bucket1h> w = it.next();
                Bucket1h b = w.value;
                count7d += b.count;
                if (b.amounts != null) {
                    amounts7d.merge(b.amounts);
                    merchants7d.merge(b.merchants);
                }
                if (w.key >= day0) {
                    count1d += b.count;
                    declined1d += b.declined;
                    sum1d += b.amountSum;
                    if (b.cards != null) {
                        cards1d.update(b.cards);
                    }
                    for (int i = 0; i < b.lastTimes.length; i++) {
                        last.add(KeyValue.pair(b.lastTimes[i], b.lastCards[i]));
                    }
                }
            }
        }
        out.put("payment_count_1d", count1d);
        out.put("payment_count_7d", count7d);
        out.put("declined_count_1d", declined1d);
        out.put("amount_sum_1d", sum1d);
        out.put("amount_p95_7d", amounts7d.isEmpty() ? null : amounts7d.getQuantile(0.95));
        out.put("distinct_cards_1d", Math.round(cards1d.getCompositeEstimate()));
        // windows come oldest first, each bucket's cards newest first: a stable sort by time keeps later arrivals later
        last.sort(Comparator.comparing((KeyValue<Long, String> kv) -> kv.key).reversed());
        out.put("recent_cards_1d", last.stream().limit(KafkaStreamsBuckets.LAST_K).map(kv -> kv.value).toList());
        out.put("top_merchants_7d", Arrays.stream(merchants7d.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES))
                .sorted(Comparator.comparingLong(ItemsSketch.Row<String>::getEstimate).reversed()
                        .thenComparing(ItemsSketch.Row::getItem))
                .limit(3).map(r -> r.getItem() + ":" + r.getEstimate()).toList());

        double sum30d = 0;
        Union cards30d = new Union(KafkaStreamsBuckets.HLL_LG_K);
        try (WindowStoreIterator<Bucket1d> it = KafkaStreamsBaseline.<Bucket1d>fetch(streams, PER_1D, account, now, 30 * DAY, DAY)) {
            while (it.hasNext()) {
                Bucket1d b = it.next().value;
                sum30d += b.amountSum;
                if (b.cards != null) {
                    cards30d.update(b.cards);
                }
            }
        }
        out.put("amount_sum_30d", sum30d);
        out.put("distinct_cards_30d", Math.round(cards30d.getCompositeEstimate()));

        ReadOnlyKeyValueStore<String, LastCountry> lifetime = streams.store(
                StoreQueryParameters.fromNameAndType(LAST_COUNTRY, QueryableStoreTypes.<String, LastCountry>keyValueStore()));
        LastCountry lc = lifetime.get(account);
        out.put("last_country", lc == null ? null : lc.country());
        return out;
    }

    /** The 1d payment count alone (the benchmark's check): the 1h windows of the last day. */
    static long paymentCount1d(KafkaStreams streams, String account, long now) {
        long n = 0;
        try (WindowStoreIterator<Bucket1h> it = KafkaStreamsBaseline.<Bucket1h>fetch(streams, PER_1H, account, now, DAY, HOUR)) {
            while (it.hasNext()) {
                n += it.next().value.count;
            }
        }
        return n;
    }

    /**
     * The tumbling windows of store {@code name} that a {@code windowMs} window read at {@code now}
     * covers, oldest first: those starting in {@code [floor_hop(now - W), now)} (Tessera's WindowSpec).
     */
    private static <V> WindowStoreIterator<V> fetch(KafkaStreams streams, String name, String account, long now, long windowMs,
                                                    long hopMs) {
        ReadOnlyWindowStore<String, V> store =
                streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>windowStore()));
        return store.fetch(account, Instant.ofEpochMilli(firstWindowStart(now, windowMs, hopMs)), Instant.ofEpochMilli(now - 1));
    }

    private static long firstWindowStart(long now, long windowMs, long hopMs) {
        return Math.floorDiv(now - windowMs, hopMs) * hopMs;
    }
}
