package dev.tessera.runtime;

import com.dynatrace.hash4j.hashing.HashValue128;
import dev.tessera.core.dedup.Deduplicator;

import dev.tessera.core.event.Event;
import dev.tessera.runtime.SourceCounters.Outcome;
import dev.tessera.runtime.decode.Decoded;
import java.util.ArrayList;
import java.util.List;
import dev.tessera.api.TesseraException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that owns all aggregation state: takes decoded batches from the consumers, applies
 * SPEC §3 to each record, and commits through the {@link Checkpointer}.
 *
 * <h2>Per record, in this order</h2>
 * The checks on the event alone are {@link EventRules}, shared with the event archive.
 * <ol>
 *   <li>decoding failures are dead-lettered with the decoder's reason (malformed, too_large,
 *       schema_mismatch);</li>
 *   <li>{@code bad_timestamp}: the timestamp field is missing or neither epoch millis nor ISO-8601;</li>
 *   <li>{@code future}: event time beyond the wall clock plus {@code max_clock_skew};</li>
 *   <li>{@code late}: event time before the source's watermark (recomputed once per batch);</li>
 *   <li>{@code missing_key}: no group of the source can key it (a group whose key fields are
 *       missing skips the event and counts it as that group's {@code missing_key}, the others
 *       still apply it);</li>
 *   <li>{@code duplicate}: its id was already applied within the dedup horizon (counted, dropped, not
 *       dead-lettered — it is not bad input, just a retry);</li>
 *   <li>otherwise it is applied to every group's entity and counted as accepted.</li>
 * </ol>
 * Dedup state is kept per partition: producers key retries the same way as originals (the push API
 * keys by event id), so a retry lands in the original's partition.
 *
 * <h2>Commits</h2>
 * Every {@code commitInterval}, after {@code maxRecordsPerCommit} records, and as soon as the input
 * goes quiet ({@link #QUIET_MILLIS} without a batch) with records applied since the last commit: a
 * backlog's last records and a trickle's are then durable (and, with Redis, visible to other serving
 * nodes) within about 100 ms plus the write, not up to a whole interval later. Under a steady load
 * batches keep coming and the interval alone paces commits.
 *
 * <h2>Why one thread</h2>
 * One owner makes a commit a consistent cut without coordination, and makes replay deterministic per
 * partition. Decoding, the expensive part, runs on the consumer threads in parallel; applying a
 * decoded event is a few hundred nanoseconds. Scale past one core is the Flink runtime's job.
 *
 * <h2>Tracing</h2>
 * With tracing on ({@link RecordTracing}), each batch gets a span, and each record that carries a
 * trace context gets an {@code apply} span, child of the producer's span, ended once the record is
 * applied (readable) or refused, with its outcome as an attribute. With tracing off nothing here
 * touches OpenTelemetry.
 */
final class Applier implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    /**
     * No batch for this long (or a quarter of the commit interval, if shorter) means the input is
     * quiet: what was applied since the last commit is committed then, not at the next interval.
     */
    static final long QUIET_MILLIS = 100;

    private final List<SourceRuntime> sources;
    private final BlockingQueue<Batch> queue;
    private final Checkpointer checkpointer;
    private final DeadLetterSink deadLetters;
    private final LongSupplier clock;
    private final long commitIntervalMillis;
    private final long sweepIntervalMillis;
    private final int maxRecordsPerCommit;
    private final List<Checkpointer.Dirty> dirty = new ArrayList<>();
    private final java.util.function.Consumer<Map<SourceRuntime, long[]>> afterCommit;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tessera-commit-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<?> inFlight;
    private final RuntimeConfig.AppliedListener listener;
    /** Null when tracing is off (then no span is ever started here). */
    private final RecordTracing tracing;
    /** The apply span of the record being applied, when it is traced; null otherwise. */
    private io.opentelemetry.api.trace.Span tracedRecord;

    private volatile boolean stopping;
    private volatile Throwable failure;
    private long lastCommit;
    private long lastSweep;
    private int sinceCommit;

    Applier(List<SourceRuntime> sources, BlockingQueue<Batch> queue, Checkpointer checkpointer,
            DeadLetterSink deadLetters, LongSupplier clock, long commitIntervalMillis, int maxRecordsPerCommit,
            RuntimeConfig.AppliedListener listener, java.util.function.Consumer<Map<SourceRuntime, long[]>> afterCommit) {
        this(sources, queue, checkpointer, deadLetters, clock, commitIntervalMillis, maxRecordsPerCommit, listener, afterCommit, null);
    }

    /** @param tracing null: tracing off */
    Applier(List<SourceRuntime> sources, BlockingQueue<Batch> queue, Checkpointer checkpointer,
            DeadLetterSink deadLetters, LongSupplier clock, long commitIntervalMillis, int maxRecordsPerCommit,
            RuntimeConfig.AppliedListener listener, java.util.function.Consumer<Map<SourceRuntime, long[]>> afterCommit,
            RecordTracing tracing) {
        this.tracing = tracing;
        this.listener = listener;
        this.sources = sources;
        this.queue = queue;
        this.checkpointer = checkpointer;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.commitIntervalMillis = commitIntervalMillis;
        this.sweepIntervalMillis = Math.max(commitIntervalMillis, 60_000);
        this.maxRecordsPerCommit = maxRecordsPerCommit;
        this.afterCommit = afterCommit;
    }

    void stop() {
        stopping = true;
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        lastCommit = clock.getAsLong();
        lastSweep = lastCommit;
        try {
            long pollMillis = Math.max(1, Math.min(commitIntervalMillis / 4, QUIET_MILLIS));
            while (!stopping || !queue.isEmpty()) {
                Batch b = queue.poll(pollMillis, TimeUnit.MILLISECONDS);
                long now = clock.getAsLong();
                if (b != null) {
                    process(b, now);
                    sinceCommit += b.size();
                }
                // the input went quiet with records applied since the last commit: commit them now
                // rather than at the next interval (a backlog's end, or a trickle, is durable sooner)
                boolean quiet = b == null && sinceCommit > 0;
                if (quiet || now - lastCommit >= commitIntervalMillis || sinceCommit >= maxRecordsPerCommit) {
                    commit(now);
                }
            }
            commit(clock.getAsLong());
            awaitInFlight();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            LOG.error("the stream runtime stopped: {}", t.toString(), t);
        } finally {
            writer.shutdown();
        }
    }

    /** Tests: takes a commit's cut now, without encoding the frozen entities or writing it. */
    Checkpointer.Pending cutForTest() {
        Checkpointer.Pending p = checkpointer.freeze(dirty, false);
        dirty.clear();
        return p;
    }

    /** Tests: encodes what is still frozen for {@code p}, and writes it. */
    void finishForTest(Checkpointer.Pending p) {
        checkpointer.encodeFrozen(p);
        checkpointer.write(p);
    }

    /** Commits now and waits for the write (profiling and tests). */
    void commitForProfile() throws InterruptedException {
        commit(clock.getAsLong());
        awaitInFlight();
    }

    /**
     * Takes the cut here (freezes the changed entities, encodes progress) and hands the encoding of
     * the entities and the write to the writer thread, after the previous commit has been written:
     * at most one commit in flight, written in order. See {@link Checkpointer}.
     */
    private void commit(long now) throws InterruptedException {
        awaitInFlight();
        boolean sweep = now - lastSweep >= sweepIntervalMillis;
        Checkpointer.Pending pending = checkpointer.freeze(dirty, sweep);
        dirty.clear();
        lastCommit = now;
        sinceCommit = 0;
        if (sweep) {
            lastSweep = now;
        }
        inFlight = writer.submit(() -> {
            checkpointer.encodeFrozen(pending);
            checkpointer.write(pending);
            afterCommit.accept(pending.offsets());
        });
    }

    private void awaitInFlight() throws InterruptedException {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            throw new TesseraException("could not commit to the store: " + e.getCause().getMessage(), e.getCause());
        } finally {
            inFlight = null;
        }
    }

    void process(Batch batch, long now) {
        if (tracing == null) {
            apply(batch, now, null);
            return;
        }
        io.opentelemetry.api.trace.Span span = tracing.startBatch(batch.source().source.name(), batch.size());
        try {
            apply(batch, now, span);
        } finally {
            span.end();
        }
    }

    /** Applies a batch; {@code batchSpan} is null when tracing is off, else the batch's span. */
    private void apply(Batch batch, long now, io.opentelemetry.api.trace.Span batchSpan) {
        SourceRuntime src = batch.source();
        src.watermark.advance(now);
        long watermark = src.watermark.watermark();
        EventRules rules = src.rules;
        List<GroupRuntime> groups = src.groups;
        String[] keys = new String[groups.size()];
        SourceCounters counters = src.counters;
        long newest = src.newestApplied;
        // IN, ACCEPTED and DUPLICATE are added once per batch (an atomic add per event each was
        // measurable); readers see them with the batch, as they see its offsets
        counters.add(Outcome.IN, batch.size());
        prefetch(src, batch);
        long accepted = 0;
        long duplicates = 0;
        for (int i = 0; i < batch.size(); i++) {
            Batch.Record r = batch.records()[i];
            if (batchSpan != null && r.trace() != null) {
                tracedRecord = tracing.startApply(src.source.name(), r, batchSpan);
            }
            try {
                int p = r.partition();
                src.nextOffsets[p] = r.offset() + 1;
                Decoded d = r.decoded();
                if (!d.isAccepted()) {
                    reject(src, r, d.reason().code(), d.message());
                    continue;
                }
                Event e = d.event();
                long et;
                try {
                    et = rules.eventTime(e);
                } catch (IllegalArgumentException ex) {
                    reject(src, r, Outcome.BAD_TIMESTAMP.code(), ex.getMessage());
                    continue;
                }
                if (rules.isFuture(et, now)) {
                    reject(src, r, Outcome.FUTURE.code(), rules.futureMessage(et, now));
                    continue;
                }
                if (et < watermark) {
                    reject(src, r, Outcome.LATE.code(), "event time " + EventRules.instant(et) + " is before the watermark "
                            + EventRules.instant(watermark) + " of source " + src.source.name() + " (lateness " + src.source.lateness()
                            + "); raise lateness to count such events live; the archive keeps them, so tessera backfill brings them into the"
                            + " online store");
                    continue;
                }
                boolean anyKey = false;
                for (int g = 0; g < keys.length; g++) {
                    keys[g] = groups.get(g).keyOf(e);
                    if (keys[g] == null) {
                        groups.get(g).missingKey.incrementAndGet();
                    } else {
                        anyKey = true;
                    }
                }
                if (!anyKey && !groups.isEmpty()) {
                    reject(src, r, Outcome.MISSING_KEY.code(), rules.missingKeyMessage());
                    continue;
                }
                String id = rules.id(e);
                if (id != null) { // prefetch took its hash
                    long hi = src.idHashes[2 * i];
                    long lo = src.idHashes[2 * i + 1];
                    if (!src.dedup[p].firstSeen(hi, lo, et)) {
                        duplicates++;
                        if (tracedRecord != null) {
                            tracedRecord.setAttribute(RecordTracing.OUTCOME, Outcome.DUPLICATE.code());
                        }
                        continue;
                    }
                    src.addedIds[p].add(hi, lo, et);
                }
                src.watermark.observe(p, et, now);
                for (int g = 0; g < keys.length; g++) {
                    if (keys[g] == null) {
                        continue;
                    }
                    GroupRuntime gr = groups.get(g);
                    EntityState st = gr.stateFor(keys[g]);
                    while (true) {
                        synchronized (st) {
                            if (!st.removed) {
                                checkpointer.encodeIfFrozen(gr, st); // copy-on-write: the pending commit gets the cut's state
                                gr.aggregator.apply(st.tiles, e, et, id);
                                if (et > st.maxEventTime) {
                                    st.maxEventTime = et;
                                }
                                if (!st.dirty) {
                                    st.dirty = true;
                                    dirty.add(new Checkpointer.Dirty(gr, st));
                                }
                                break;
                            }
                        }
                        st = gr.stateFor(keys[g]); // dropped by a commit's eviction since the lookup: look it up again
                    }
                }
                accepted++;
                if (et > newest) {
                    newest = et;
                }
                if (listener != RuntimeConfig.AppliedListener.NONE) {
                    listener.applied(src.source.name(), r.timestamp(), clock.getAsLong());
                }
                if (src.nonFinite.carriedBy(e)) {
                    counters.add(Outcome.NON_FINITE_VALUE, 1); // once per event, however many features read the field
                }
                if (tracedRecord != null) {
                    tracedRecord.setAttribute(RecordTracing.OUTCOME, Outcome.ACCEPTED.code());
                }
            } finally {
                if (tracedRecord != null) { // ended once the event is applied: a read from now on sees it
                    tracedRecord.end();
                    tracedRecord = null;
                }
            }
        }
        if (accepted > 0) {
            counters.add(Outcome.ACCEPTED, accepted);
        }
        if (duplicates > 0) {
            counters.add(Outcome.DUPLICATE, duplicates);
        }
        src.newestApplied = newest;
        src.publishedWatermark = src.watermark.peek(now); // what the next batch will judge lateness by (metrics)
        long[] positions = batch.positions();
        for (int p = 0; p < positions.length; p++) {
            if (positions[p] > src.nextOffsets[p]) {
                src.nextOffsets[p] = positions[p];
            }
        }
    }

    /**
     * Hashes every decoded event's id into {@code src.idHashes} (two longs per record, at the record's
     * index: what the apply loop dedups with), and touches the dedup table slot of each and its
     * entities' map entries and states, before applying any: on a large state each of them is a cache
     * miss, and misses that do not depend on each other overlap when issued together, where the apply
     * loop would wait for them one by one. Reads only (the lookups that create entities stay in the loop).
     */
    private static void prefetch(SourceRuntime src, Batch batch) {
        EventRules rules = src.rules;
        List<GroupRuntime> groups = src.groups;
        long sink = 0;
        if (src.idHashes.length < 2 * batch.size()) {
            src.idHashes = new long[2 * batch.size()];
        }
        long[] hashes = src.idHashes;
        for (int i = 0; i < batch.size(); i++) {
            Batch.Record r = batch.records()[i];
            Decoded d = r.decoded();
            if (!d.isAccepted()) {
                continue;
            }
            Event e = d.event();
            String id = rules.id(e);
            if (id != null) {
                HashValue128 h = Deduplicator.hash(id);
                hashes[2 * i] = h.getMostSignificantBits();
                hashes[2 * i + 1] = h.getLeastSignificantBits();
                src.dedup[r.partition()].prefetch(hashes[2 * i]);
            }
            for (int g = 0; g < groups.size(); g++) {
                GroupRuntime gr = groups.get(g);
                String key = gr.keyOf(e);
                EntityState st = key == null ? null : gr.entities.get(key);
                if (st != null) {
                    sink += st.maxEventTime;
                }
            }
        }
        src.prefetched = sink;
    }

    private void reject(SourceRuntime src, Batch.Record r, String reason, String message) {
        Outcome o = Outcome.ofCode(reason);
        src.counters.increment(o == null ? Outcome.MALFORMED : o);
        src.recentDeadLetters.add(new SourceDiagnostics.DeadLetter(clock.getAsLong(), r.partition(), r.offset(), reason,
                message.length() > 300 ? message.substring(0, 300) + "..." : message));
        if (tracedRecord != null) {
            tracedRecord.setAttribute(RecordTracing.OUTCOME, reason);
        }
        deadLetters.send(src.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, message);
    }
}
