package dev.tessera.offline.archive;

import dev.tessera.core.io.ProcessLock;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.dedup.Deduplicator;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.CachedSchemaRegistry;
import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives one source's events to Parquet (SPEC §5), exactly once, with its own Kafka consumer and
 * no offset store but the archive itself (ADR 008).
 *
 * <h2>What is archived</h2>
 * Every valid event: it decodes, has a valid timestamp, is not in the future, has a key for some
 * group ({@link EventRules}, the stream's own checks), and is not a duplicate. Late events are
 * archived: SPEC §3's point-in-time value counts every event "had every event arrived". Duplicates
 * follow the stream's rule, per partition with the source's dedup horizon, but expire against the
 * partition's own greatest archived event time, so the decisions depend on the partition's records
 * alone and can be rebuilt from the archive.
 *
 * <h2>Exactly once</h2>
 * Invariant: for each partition, the manifests cover a prefix of its offsets {@code [start, next)}
 * without overlap, and the rows of the files they name are exactly the valid, non-duplicate events
 * of that prefix, each once. A commit ({@link ArchiveWriter}) appends one range per partition; rows
 * are only ever appended for offsets of the range being built, and that range is committed whole or
 * not at all (one atomic manifest rename). On start the uncommitted remains are deleted, each
 * partition resumes at {@code next}, and the dedup state is rebuilt to what it was at {@code next}:
 * the ids archived from the partition since {@link Deduplicator#retainedSince} its greatest archived
 * event time, which is exactly what per-event expiry keeps. So a restart, clean or after a crash,
 * makes the same decision for every offset as an uninterrupted run would, and every offset is
 * committed once. (The one input that is not from the log, the wall clock of the {@code future}
 * rule, is read once per offset that gets committed.)
 *
 * <h2>Threads</h2>
 * One thread per archiver owns the consumer, the open files and the dedup state; commits run on it
 * every {@link ArchiveConfig#commitInterval()}, early when the bounds on buffered rows or open files
 * are reached, and when stopped cleanly.
 */
public final class Archiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    private final Source source;
    private final ArchiveConfig config;
    private final Path sourceDir;
    private final EventDecoder decoder;
    private final EventRules rules;
    private final TypedColumns typed;
    private final int[] keySlots;
    private final ArchiveWriter writer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ProcessLock lock;
    private final int partitions;

    // owned by the archiver thread
    private final long[] committedNext;
    private final long[] processedNext;
    private final long[] maxEventTime;
    private final Deduplicator[] dedup;
    private long lastCommit;

    // shared with callers
    private final long[] committedView;
    private volatile long[] commitRequest;
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final AtomicLong rowsCommitted = new AtomicLong();
    private final AtomicLong filesCommitted = new AtomicLong();
    private volatile long lastCommitAt = Long.MIN_VALUE;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private Thread thread;

    private Archiver(Definitions defs, Path definitionsDir, Source source, Path archiveRoot, ArchiveConfig config)
            throws IOException {
        this.source = source;
        this.config = config;
        this.sourceDir = ArchiveLayout.sourceDir(archiveRoot, source.name());
        Durable.createDirectories(sourceDir);
        this.lock = ProcessLock.tryAcquire(sourceDir.resolve(ArchiveLayout.LOCK), "the archiver of tessera run/demo");
        if (lock == null) {
            throw new TesseraException("the archive " + sourceDir + " is already being written by " + ProcessLock.holder(sourceDir.resolve(ArchiveLayout.LOCK))
                    + "; stop that (a second tessera run or demo on the same --data?) or let the import finish, or give this one"
                    + " another --data folder");
        }
        KafkaConsumer<byte[], byte[]> c = null;
        try {
            FieldLayout layout = SourceFields.layout(defs, source);
            this.decoder = EventDecoders.forSource(source, definitionsDir, layout, config.maxRecordBytes(),
                    config.schemaRegistry() == null ? null : new CachedSchemaRegistry(config.schemaRegistry()));
            this.rules = new EventRules(defs, source, layout);
            this.keySlots = rules.keyFields().stream().mapToInt(layout::requireSlot).toArray();
            this.typed = TypedColumns.of(defs, definitionsDir, source, config.maxRecordBytes());
            this.writer = new ArchiveWriter(sourceDir, source.name(), ArchiveSchema.of(source.name(), rules.keyFields(), typed),
                    config.rowGroupBytes());
            c = newConsumer(config, source);
            List<PartitionInfo> parts = c.partitionsFor(source.topic(), Duration.ofSeconds(30));
            if (parts == null || parts.isEmpty()) {
                throw new TesseraException("topic '" + source.topic() + "' of source '" + source.name() + "' does not exist on "
                        + config.bootstrapServers() + "; create it, or fix kafka.topic in the source definition");
            }
            this.partitions = parts.size();
        } catch (RuntimeException e) {
            if (c != null) {
                c.close(Duration.ofSeconds(1));
            }
            release();
            throw e;
        }
        this.consumer = c;
        this.committedNext = new long[partitions];
        this.processedNext = new long[partitions];
        this.maxEventTime = new long[partitions];
        this.committedView = new long[partitions];
        this.dedup = new Deduplicator[partitions];
        for (int p = 0; p < partitions; p++) {
            dedup[p] = new Deduplicator(source.dedupHorizon().millis());
            maxEventTime[p] = Long.MIN_VALUE;
        }
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            consumer.close(Duration.ofSeconds(1));
            release();
            throw e;
        }
    }

    /**
     * Opens the archive of {@code source} under {@code archiveRoot} (taking its lock), recovers it, and
     * starts archiving from where its last commit ended.
     *
     * @throws TesseraException when the topic is missing, another archiver holds the folder, or the
     *                          archive is damaged; the message says how to fix it
     */
    public static Archiver start(Definitions defs, Path definitionsDir, Source source, Path archiveRoot, ArchiveConfig config) {
        Archiver a = null;
        try {
            a = new Archiver(defs, definitionsDir, source, archiveRoot, config);
            a.thread = new Thread(a::run, "tessera-archive-" + source.name());
            a.thread.setDaemon(true);
            a.thread.start();
            return a;
        } catch (IOException e) {
            throw new TesseraException("cannot open the archive of source '" + source.name() + "' in " + archiveRoot + ": " + e, e);
        }
    }

    /** Reads the manifests, deletes what no manifest names, seeks, rebuilds the dedup state. */
    private void recover() throws IOException {
        CommittedArchive committed = CommittedArchive.load(sourceDir);
        int removed = committed.removeUncommitted();
        Map<Integer, Long> next = committed.nextOffsets();
        for (int p : next.keySet()) {
            if (p < 0 || p >= partitions) {
                throw new TesseraException("the archive " + sourceDir + " has commits of partition " + p + " but topic '"
                        + source.topic() + "' has " + partitions + " partitions: the topic was recreated. Move the folder"
                        + " away to start a new archive of it");
            }
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(source.topic(), p));
        }
        consumer.assign(tps);
        Map<TopicPartition, Long> logStart = consumer.beginningOffsets(tps, Duration.ofSeconds(30));
        for (TopicPartition tp : tps) {
            Long n = next.get(tp.partition());
            Long first = logStart.get(tp);
            if (n != null && first != null && first > n) {
                LOG.warn("offsets {}..{} of partition {} of topic {} were deleted by Kafka retention before they were"
                        + " archived: the archive of source {} lacks them (load them with tessera import if they exist"
                        + " elsewhere; keep the archiver running, or raise the topic's retention)",
                        n, first - 1, tp.partition(), source.topic(), source.name());
            }
        }
        for (TopicPartition tp : tps) {
            Long n = next.get(tp.partition());
            if (n != null) {
                consumer.seek(tp, n);
                committedNext[tp.partition()] = n;
            } else {
                consumer.seekToBeginning(List.of(tp));
                committedNext[tp.partition()] = consumer.position(tp, Duration.ofSeconds(30));
            }
            processedNext[tp.partition()] = committedNext[tp.partition()];
        }
        System.arraycopy(committedNext, 0, committedView, 0, partitions);
        committed.maxEventTimes().forEach((p, t) -> maxEventTime[p] = t);
        long ids = 0;
        if (source.id() != null) {
            Map<Integer, List<ArchivedFile>> filesOf = new HashMap<>();
            committed.files().forEach(f -> filesOf.computeIfAbsent(f.partition(), x -> new ArrayList<>()).add(f));
            for (int p = 0; p < partitions; p++) {
                if (maxEventTime[p] == Long.MIN_VALUE) {
                    continue;
                }
                long since = dedup[p].retainedSince(maxEventTime[p]);
                Deduplicator d = dedup[p];
                for (ArchivedFile f : filesOf.getOrDefault(p, List.of())) {
                    if (f.maxEventTime() >= since) {
                        ParquetFiles.read(f.path(), ArchiveSchema.idProjection(), r -> {
                            long t = (Long) r.get(0);
                            Object id = r.get(1);
                            if (t >= since && id != null) {
                                d.firstSeen(id.toString(), t);
                            }
                        });
                    }
                }
                ids += d.size();
            }
        }
        lastCommit = config.clock().getAsLong();
        LOG.info("archiving source {} (topic {}, {} partitions) into {}: {} committed rows, resuming at offsets {},"
                        + " {} ids remembered for dedup{}", source.name(), source.topic(), partitions, sourceDir,
                committed.files().stream().mapToLong(ArchivedFile::rows).sum(), java.util.Arrays.toString(committedNext), ids,
                removed > 0 ? ", " + removed + " uncommitted files removed" : "");
    }

    private static KafkaConsumer<byte[], byte[]> newConsumer(ArchiveConfig config, Source source) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxPollRecords()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tessera-archive-" + source.name());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void run() {
        try {
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> polled;
                try {
                    polled = consumer.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break;
                }
                long now = config.clock().getAsLong();
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    process(rec, now);
                }
                for (int p = 0; p < partitions; p++) {
                    // past transaction markers and compacted gaps: every offset before the position was read
                    long position = consumer.position(new TopicPartition(source.topic(), p));
                    if (position > processedNext[p]) {
                        processedNext[p] = position;
                    }
                }
                long[] request = commitRequest;
                boolean requested = request != null && reached(processedNext, request);
                if (requested || now - lastCommit >= config.commitInterval().toMillis()) {
                    commit(now);
                    if (requested) {
                        commitRequest = null;
                    }
                }
            }
            commit(config.clock().getAsLong());
        } catch (SchemaRegistryUnavailableException e) {
            // stopped while waiting for the registry: this poll's records are not all processed, so
            // nothing of it may be committed; the next start resumes from the last commit
            writer.abandon();
            LOG.info("archiver of source {} stopped while the schema registry was away; uncommitted rows are"
                    + " dropped and will be archived again on the next start", source.name());
        } catch (WakeupException e) {
            try {
                commit(config.clock().getAsLong());
            } catch (Throwable t) {
                fail(t);
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the archive consumer of {}: {}", source.name(), e.toString());
            }
            release();
            synchronized (committedView) {
                committedView.notifyAll();
            }
        }
    }

    private void fail(Throwable t) {
        failure = t;
        writer.abandon();
        LOG.error("the archiver of source {} stopped: {}", source.name(), t.toString(), t);
    }

    private void process(ConsumerRecord<byte[], byte[]> rec, long now) throws IOException, InterruptedException {
        int p = rec.partition();
        long offset = rec.offset();
        if (offset < processedNext[p]) {
            throw new TesseraException("partition " + p + " of topic '" + source.topic() + "' went back from offset "
                    + processedNext[p] + " to " + offset + ": the topic was recreated or truncated. Move " + sourceDir
                    + " away to start a new archive of it");
        }
        count("in");
        Decoded d = EventRules.decodeWaiting(decoder, rec.value(), rec.topic(), p, offset, () -> stopping);
        if (!d.isAccepted()) {
            skip(p, offset, d.reason().code());
            return;
        }
        Event e = d.event();
        long et;
        try {
            et = rules.eventTime(e);
        } catch (IllegalArgumentException ex) {
            skip(p, offset, "bad_timestamp");
            return;
        }
        if (rules.isFuture(et, now)) {
            skip(p, offset, "future");
            return;
        }
        if (!rules.hasAnyKey(e)) {
            skip(p, offset, "missing_key");
            return;
        }
        String id = rules.id(e);
        if (!dedup[p].firstSeen(id, et)) {
            skip(p, offset, "duplicate");
            return;
        }
        if (!writer.isOpen(p, et) && writer.openFiles() >= config.maxOpenFiles()) {
            commit(now); // bounded memory; this record is not covered yet, it goes to the next commit
        }
        String[] keys = new String[keySlots.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = EntityKeys.text(e.get(keySlots[i]));
        }
        writer.append(p, offset, rec.timestamp(), et, id, keys, typed.values(e), rec.value());
        if (et > maxEventTime[p]) {
            maxEventTime[p] = et;
        }
        dedup[p].expire(maxEventTime[p]);
        processedNext[p] = offset + 1;
        if (writer.bufferedRows() >= config.maxRowsPerCommit()) {
            commit(now);
        }
    }

    private void skip(int partition, long offset, String reason) {
        count(reason);
        processedNext[partition] = offset + 1;
    }

    private void count(String outcome) {
        counters.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    /** Commits every partition read past its last commit; see {@link ArchiveWriter#commit}. */
    private void commit(long now) throws IOException {
        lastCommit = now;
        Map<Integer, long[]> ranges = new LinkedHashMap<>();
        Map<Integer, Long> maxima = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            if (processedNext[p] > committedNext[p]) {
                ranges.put(p, new long[] {committedNext[p], processedNext[p] - 1});
                maxima.put(p, maxEventTime[p]);
            }
        }
        if (ranges.isEmpty()) {
            return;
        }
        List<Manifest> written = writer.commit(ranges, maxima, now);
        long rows = 0;
        long files = 0;
        for (Manifest m : written) {
            rows += m.rows();
            files += m.files().size();
        }
        rowsCommitted.addAndGet(rows);
        filesCommitted.addAndGet(files);
        lastCommitAt = now;
        synchronized (committedView) {
            for (int p : ranges.keySet()) {
                committedNext[p] = processedNext[p];
                committedView[p] = committedNext[p];
            }
            committedView.notifyAll();
        }
        LOG.debug("archive {}: committed {} rows in {} files, offsets {}", source.name(), rows, files,
                java.util.Arrays.toString(committedNext));
    }

    private static boolean reached(long[] positions, long[] targets) {
        for (int p = 0; p < targets.length; p++) {
            if (positions[p] < targets[p]) {
                return false;
            }
        }
        return true;
    }

    private void release() {
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("releasing the archive lock of {}: {}", source.name(), e.toString());
        }
    }

    public String source() {
        return source.name();
    }

    /** The folder of this source's archive. */
    public Path directory() {
        return sourceDir;
    }

    /**
     * What happened to the records read since this archiver started, by outcome: {@code in}, the
     * rejection reasons of {@link EventRules} ({@code malformed}, {@code bad_timestamp}, {@code future},
     * {@code missing_key}, ...) and {@code duplicate}. Rows committed are {@link #rowsCommitted()}.
     */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> m.put(e.getKey(), e.getValue().get()));
        return m;
    }

    /** Rows committed since this archiver started. */
    public long rowsCommitted() {
        return rowsCommitted.get();
    }

    /** Files committed since this archiver started. */
    public long filesCommitted() {
        return filesCommitted.get();
    }

    /** Wall-clock millis of the last commit that committed something, or {@link Long#MIN_VALUE} before the first. */
    public long lastCommitAt() {
        return lastCommitAt;
    }

    /** The failure that stopped the archiver, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Waits until everything in the topic at the time of the call is archived and committed (commits
     * as soon as it is read, rather than at the next interval). For tests, tools and orderly stops.
     */
    public void awaitCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
        long[] targets = new long[partitions];
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetSpec> req = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                req.put(new TopicPartition(source.topic(), i), OffsetSpec.latest());
            }
            admin.listOffsets(req, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .forEach((tp, info) -> targets[tp.partition()] = info.offset());
        } catch (ExecutionException e) {
            throw new TesseraException("could not read end offsets of topic '" + source.topic() + "' from "
                    + config.bootstrapServers() + ": " + e.getCause(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (committedView) {
            while (!reached(committedView, targets)) {
                if (failure != null) {
                    throw new TesseraException("the archiver of source " + source.name() + " failed while catching up: "
                            + failure, failure);
                }
                if (!thread.isAlive()) {
                    throw new IllegalStateException("the archiver of source " + source.name() + " is stopped");
                }
                commitRequest = targets;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("archive of source " + source.name() + " not caught up after " + timeout
                            + ": committed " + java.util.Arrays.toString(committedView) + ", end offsets "
                            + java.util.Arrays.toString(targets));
                }
                committedView.wait(Math.max(1, Math.min(100, left / 1_000_000)));
            }
        }
    }

    /** Stops reading, commits what is buffered, and releases the archive. */
    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
