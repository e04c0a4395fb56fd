package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.CachedSchemaRegistry;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The embedded stream runtime (SPEC §6): one consumer thread per source, one applier thread owning
 * the tiles, an online store committed exactly once ({@link Checkpointer}), and a
 * {@link FeatureReader} over the live state.
 *
 * <pre>
 *  Kafka ──poll+decode──► [bounded queue] ──► Applier ──apply──► tiles (memory) ──commit──► TileStore
 *   (one thread per source)                   (one thread)            ▲                  (atomic batches)
 *                                                                     └── FeatureReader (serving threads)
 * </pre>
 *
 * Hot tiles live in memory, where applying and reading cost nanoseconds; the store gets batched
 * writes of changed tiles only, which is what RocksDB does fast (about 1.8M puts/s here, against
 * about 320K single gets/s), and is read only at start. The whole working set is in memory; its size
 * is bounded by eviction (tiles older than each hop's longest window are dropped).
 */
public final class StreamRuntime implements AutoCloseable {
    private final List<SourceRuntime> sources;
    private final Map<String, GroupRuntime> groups = new LinkedHashMap<>();
    private final List<SourceConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Applier applier;
    private final DeadLetterSink deadLetters;
    private final RuntimeConfig config;
    private final TileStore store;
    private final Map<SourceRuntime, long[]> committed = new HashMap<>();
    private final FeatureReader reader = new Reader();
    private final WindowSlider slider;
    private volatile boolean closed;

    private StreamRuntime(List<SourceRuntime> sources, Applier applier, DeadLetterSink deadLetters, RuntimeConfig config,
                          TileStore store) {
        this.store = store;
        this.sources = sources;
        this.applier = applier;
        this.deadLetters = deadLetters;
        this.config = config;
        for (SourceRuntime s : sources) {
            for (GroupRuntime g : s.groups) {
                groups.put(g.group.name(), g);
            }
        }
        this.slider = new WindowSlider(sources, config.clock());
    }

    /**
     * Loads the committed state from {@code store}, seeks every source partition to its committed
     * offset, and starts consuming. The store stays the caller's to close, after this runtime.
     */
    public static StreamRuntime start(Definitions defs, Path definitionsDir, TileStore store, RuntimeConfig config) {
        List<SourceRuntime> sources = new ArrayList<>();
        Map<SourceRuntime, KafkaConsumer<byte[], byte[]>> kafkaConsumers = new LinkedHashMap<>();
        SchemaRegistry registry = config.schemaRegistry() == null ? null
                : config.schemaRegistry() instanceof CachedSchemaRegistry ? config.schemaRegistry()
                : new CachedSchemaRegistry(config.schemaRegistry());
        try {
            for (Source source : defs.sources().values()) {
                if (defs.groupsOf(source).isEmpty()) {
                    continue; // nothing to compute from it (the archive will still want it)
                }
                FieldLayout layout = SourceFields.layout(defs, source);
                SourceRuntime sr = new SourceRuntime(defs, source,
                        EventDecoders.forSource(source, definitionsDir, layout, config.maxRecordBytes(), registry), layout);
                KafkaConsumer<byte[], byte[]> consumer = newConsumer(config, source);
                kafkaConsumers.put(sr, consumer);
                List<PartitionInfo> parts = consumer.partitionsFor(sr.topic(), Duration.ofSeconds(30));
                if (parts == null || parts.isEmpty()) {
                    throw new TesseraException("topic '" + sr.topic() + "' of source '" + source.name() + "' does not exist on "
                            + config.bootstrapServers() + "; create it, or fix kafka.topic in the source definition");
                }
                if (config.deadLetters()) {
                    List<PartitionInfo> dlq = consumer.partitionsFor(sr.topic() + KafkaDeadLetterSink.SUFFIX, Duration.ofSeconds(30));
                    if (dlq == null || dlq.isEmpty()) {
                        // found now rather than at the first bad event, which would stop the pipeline
                        throw new TesseraException("dead-letter topic '" + sr.topic() + KafkaDeadLetterSink.SUFFIX
                                + "' of source '" + source.name() + "' does not exist on " + config.bootstrapServers()
                                + "; create it (one partition is enough) before starting, so rejected events have somewhere to go");
                    }
                }
                sr.initPartitions(parts.size(), config.clock().getAsLong());
                sources.add(sr);
            }
            DeadLetterSink dlq = config.deadLetters() ? new KafkaDeadLetterSink(config.bootstrapServers()) : DeadLetterSink.DISCARD;
            Checkpointer checkpointer = new Checkpointer(store, sources, dlq, defs.version());
            checkpointer.load(config.clock().getAsLong());
            BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(config.queueCapacity());
            StreamRuntime[] self = new StreamRuntime[1];
            RecordTracing tracing = RecordTracing.of(config);
            Applier applier = new Applier(sources, queue, checkpointer, dlq, config.clock(),
                    config.commitInterval().toMillis(), config.maxRecordsPerCommit(), config.appliedListener(),
                    offsets -> self[0].afterCommit(offsets), tracing);
            StreamRuntime rt = new StreamRuntime(sources, applier, dlq, config, store);
            self[0] = rt;
            for (SourceRuntime sr : sources) {
                rt.committed.put(sr, sr.nextOffsets.clone());
                KafkaConsumer<byte[], byte[]> consumer = kafkaConsumers.get(sr);
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < sr.partitions; p++) {
                    tps.add(new TopicPartition(sr.topic(), p));
                }
                consumer.assign(tps);
                for (TopicPartition tp : tps) {
                    long next = sr.nextOffsets[tp.partition()];
                    if (next >= 0) {
                        consumer.seek(tp, next);
                    } else {
                        consumer.seekToBeginning(List.of(tp));
                    }
                }
                rt.consumers.add(new SourceConsumer(sr, consumer, queue, tracing));
            }
            rt.startThreads();
            return rt;
        } catch (RuntimeException e) {
            kafkaConsumers.values().forEach(c -> c.close(Duration.ofSeconds(1)));
            throw e;
        }
    }

    private static KafkaConsumer<byte[], byte[]> newConsumer(RuntimeConfig config, Source source) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxPollRecords()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tessera-" + source.name());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void startThreads() {
        Thread a = new Thread(applier, "tessera-applier");
        a.setDaemon(true);
        threads.add(a);
        for (SourceConsumer c : consumers) {
            Thread t = new Thread(c, "tessera-consumer");
            t.setDaemon(true);
            threads.add(t);
        }
        Thread w = new Thread(slider, "tessera-window-slider");
        w.setDaemon(true);
        w.setPriority(Thread.MIN_PRIORITY);
        threads.add(w);
        threads.forEach(Thread::start);
    }

    /** One pass of the window slider at {@code now} (tests; the runtime runs one after each hour boundary). */
    int slideReadWindows(long now) {
        return slider.pass(now);
    }

    private void afterCommit(Map<SourceRuntime, long[]> offsets) {
        synchronized (committed) {
            committed.putAll(offsets);
            committed.notifyAll();
        }
    }

    public FeatureReader reader() {
        return reader;
    }

    /** Names of the sources this runtime consumes (those feeding at least one group), in definition order. */
    public List<String> sources() {
        return sources.stream().map(s -> s.source.name()).toList();
    }

    /** Event time of the newest event applied from {@code source}, or {@link Long#MIN_VALUE} before the first. */
    public long newestEventTime(String source) {
        for (SourceRuntime s : sources) {
            if (s.source.name().equals(source)) {
                return s.newestApplied;
            }
        }
        throw new IllegalArgumentException("no running source named " + source);
    }

    /** Each field the features of {@code source} read, with the events since start and how many carried it ({@link FieldPresence}). */
    public List<SourceDiagnostics.Field> fieldPresence(String source) {
        return source(source).presence.fields();
    }

    /** Per-partition arrivals, lag and event times, and the last dead letters of {@code source} (for diagnosis). */
    public SourceDiagnostics diagnostics(String source) {
        SourceRuntime s = source(source);
        long[] lag = s.lag;
        long[] arrivals = s.lastArrival;
        long[] maxima = s.watermark == null ? new long[0] : s.watermark.partitionMaximaForReading();
        List<SourceDiagnostics.Partition> parts = new java.util.ArrayList<>();
        for (int p = 0; p < arrivals.length; p++) {
            parts.add(new SourceDiagnostics.Partition(p, arrivals[p], p < lag.length ? lag[p] : -1,
                    p < maxima.length ? maxima[p] : Long.MIN_VALUE));
        }
        return new SourceDiagnostics(source, s.topic(), parts, s.recentDeadLetters.list(), watermark(source), s.brokerSilence,
                fieldPresence(source));
    }

    /**
     * How long, in ms, the consumer of {@code source} has been asking its broker for records without
     * any answer: 0 while the broker answers (an idle fetch is answered within 500 ms), growing while
     * the broker is down or unreachable, -1 when the Kafka client does not tell. It tells a broker
     * outage from quiet producers: in both, freshness grows and nothing arrives, but only in an outage
     * does this grow. It does not grow while the consumer waits for a busy applier.
     */
    public long brokerSilenceMillis(String source) {
        return source(source).brokerSilence;
    }

    /** The live checks of every consumed source's quality rules ({@code expect:}), by source then field. */
    public List<dev.tessera.core.quality.ValueExpectation> quality() {
        List<dev.tessera.core.quality.ValueExpectation> out = new java.util.ArrayList<>();
        for (SourceRuntime s : sources) {
            out.addAll(s.quality.checks());
        }
        return out;
    }

    /** Outcome counts of a source's events (see {@link SourceCounters.Outcome}). */
    public Map<String, Long> counters(String source) {
        for (SourceRuntime s : sources) {
            if (s.source.name().equals(source)) {
                return s.counters.snapshot();
            }
        }
        throw new IllegalArgumentException("no running source named " + source);
    }

    /**
     * Consumer lag of {@code source}: records between the consumer's position and the end of each
     * partition, summed, as of each partition's last fetch; -1 before any partition reported one.
     * Records fetched but not applied yet are not in it (they wait in the queue, a bounded few batches).
     */
    public long lag(String source) {
        long sum = -1;
        for (long l : source(source).lag) {
            if (l >= 0) {
                sum = Math.max(sum, 0) + l;
            }
        }
        return sum;
    }

    /** The watermark of {@code source} (events before it are late), or {@link Long#MIN_VALUE} before any event. */
    public long watermark(String source) {
        long w = source(source).publishedWatermark;
        return w == WatermarkTracker.NONE ? Long.MIN_VALUE : w;
    }

    /** Names of the feature groups this runtime computes, in definition order. */
    public List<String> groups() {
        return List.copyOf(groups.keySet());
    }

    /** Entities of {@code group} held in memory (those with tiles). */
    public int entities(String group) {
        return groups.get(group).entities.size();
    }

    /**
     * Tiles of {@code group}'s entities: counted at the call, without locking the entities, so
     * approximate while events are applied (for metrics; O(entities)).
     */
    public long tiles(String group) {
        long n = 0;
        for (EntityState st : groups.get(group).entities.values()) {
            n += st.tiles.tileCount();
        }
        return n;
    }

    /** The online store's approximate size in bytes (0 when the store cannot tell). */
    public long storeSizeBytes() {
        return store.approximateSizeBytes();
    }

    private SourceRuntime source(String name) {
        for (SourceRuntime s : sources) {
            if (s.source.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no running source named " + name);
    }

    /** Events a group skipped because one of its key fields was missing. */
    public long missingKeys(String group) {
        return groups.get(group).missingKey.get();
    }

    /** The failure that stopped the runtime, or null while it runs. */
    public Throwable failure() {
        Throwable t = applier.failure();
        for (SourceConsumer c : consumers) {
            if (t == null) {
                t = c.failure();
            }
        }
        return t;
    }

    /**
     * Waits until everything in every source topic at the time of the call has been applied and
     * committed. For tests, tools and orderly hand-overs, not for the hot path.
     */
    public void awaitCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
        Map<SourceRuntime, long[]> targets = new HashMap<>();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            for (SourceRuntime s : sources) {
                Map<TopicPartition, OffsetSpec> req = new HashMap<>();
                for (int i = 0; i < s.partitions; i++) {
                    req.put(new TopicPartition(s.topic(), i), OffsetSpec.latest());
                }
                long[] ends = new long[s.partitions];
                admin.listOffsets(req, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                        .forEach((tp, info) -> ends[tp.partition()] = info.offset());
                targets.put(s, ends);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new TesseraException("could not read end offsets from " + config.bootstrapServers() + ": " + e.getCause(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (committed) {
            while (!caughtUp(targets)) {
                if (failure() != null) {
                    throw new TesseraException("the runtime failed while catching up: " + failure(), failure());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("not caught up after " + timeout);
                }
                committed.wait(Math.max(1, Math.min(100, left / 1_000_000)));
            }
        }
    }

    private boolean caughtUp(Map<SourceRuntime, long[]> targets) {
        for (var e : targets.entrySet()) {
            long[] done = committed.get(e.getKey());
            long[] want = e.getValue();
            for (int i = 0; i < want.length; i++) {
                if (want[i] > 0 && done[i] < want[i]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Stops consuming, applies what was already polled, commits, and stops. The store stays open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        slider.stop();
        consumers.forEach(SourceConsumer::stop);
        for (Thread t : threads) {
            if (t.getName().equals("tessera-consumer")) {
                join(t);
            }
        }
        applier.stop();
        join(threads.get(0));
        deadLetters.close();
    }

    private static void join(Thread t) {
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Reader extends GroupCatalog {
        @Override
        Map<String, GroupRuntime> groupsByName() {
            return groups;
        }

        @Override
        public FeatureValues read(String group, List<String> entityKey, long now) {
            return group(group).read(entityKey, now);
        }

        @Override
        public long newestEventTime(String group) {
            return sourceRuntimeOf(group(group)).newestApplied;
        }

        @Override
        public String sourceOf(String group) {
            return sourceRuntimeOf(group(group)).source.name();
        }

        private SourceRuntime sourceRuntimeOf(GroupRuntime g) {
            for (SourceRuntime s : sources) {
                if (s.groups.contains(g)) {
                    return s;
                }
            }
            throw new IllegalStateException("group " + g.group.name() + " has no source");
        }

    }
}
