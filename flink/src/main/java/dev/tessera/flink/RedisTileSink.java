package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.runtime.EntityWrites;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.StoreException;
import dev.tessera.store.TileStore;
import dev.tessera.store.WriteSet;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the aggregating operator's {@link TileWrites} of one source to Redis
 * ({@link RedisTileStore}, standalone or cluster), batched: a batch goes out when it holds
 * {@code maxBatchOps} operations, a few milliseconds after its first write, and always before a
 * checkpoint barrier passes ({@link SinkWriter#flush}), so every flush the operator emitted before a
 * checkpoint is in Redis when the checkpoint completes. Every write is an absolute state, so a
 * replay after a restore rewrites the same keys with the same values (ADR 019: exactly-once values
 * from at-least-once writes).
 *
 * <p>While Redis is unavailable the writer retries the batch, backing off up to 5 s and logging
 * each failure, without giving up: the task stops taking input (backpressure up to the Kafka
 * source), loses nothing, and goes on when Redis is back. Each batch also carries the writer's
 * progress record (the newest event time it wrote, for {@code freshness_ms}) and, once, the
 * source's tile layouts.
 *
 * <p>Tracing (ADR 024, when on): a {@code write batch <source>} span per batch (a new trace, sampled
 * at {@code --trace-sample}), and for each traced record the batch makes visible a
 * {@code write tiles <source>} span, child of the record's apply span and linked to the batch's,
 * from when its entity's flush reached the sink to when Redis acknowledged it.
 */
public final class RedisTileSink implements Sink<TileWrites> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RedisTileSink.class);
    static final long MAX_BACKOFF_MILLIS = 5_000;

    private final List<String> redis;
    private final boolean cluster;
    private final String namespace;
    private final DefinitionBundle bundle;
    private final String sourceName;
    private final int maxBatchOps;
    private final long lingerMillis;
    private final TracingConfig tracing;

    public RedisTileSink(List<String> redis, boolean cluster, String namespace, DefinitionBundle bundle, String sourceName,
                         TracingConfig tracing) {
        this(redis, cluster, namespace, bundle, sourceName, 10_000, 5, tracing);
    }

    RedisTileSink(List<String> redis, boolean cluster, String namespace, DefinitionBundle bundle, String sourceName,
                  int maxBatchOps, long lingerMillis, TracingConfig tracing) {
        this.redis = List.copyOf(redis);
        this.cluster = cluster;
        this.namespace = namespace;
        this.bundle = bundle;
        this.sourceName = sourceName;
        this.maxBatchOps = maxBatchOps;
        this.lingerMillis = lingerMillis;
        this.tracing = tracing;
    }

    @Override
    public SinkWriter<TileWrites> createWriter(WriterInitContext context) {
        TileStore store = cluster ? RedisTileStore.openCluster(redis, namespace) : RedisTileStore.open(redis.get(0), namespace);
        return new Writer(store, context);
    }

    private final class Writer implements SinkWriter<TileWrites> {
        private final TileStore store;
        private final ProcessingTimeService time;
        private final String writerId;
        private final Counter retries;
        private final Counter entities;
        private WriteSet pending = new WriteSet();
        private boolean layoutsWritten;
        private boolean lingering;
        private long newest = Long.MIN_VALUE;
        private long watermark = Long.MIN_VALUE;
        private int pendingEntities;
        /** Null when tracing is off. */
        private final Tracer tracer = JobSpans.tracer(tracing);
        /** The traced records of the pending batch: their apply spans and when their flush arrived. */
        private final List<SpanContext> tracedParents = new ArrayList<>();
        private final List<Instant> tracedSince = new ArrayList<>();

        Writer(TileStore store, WriterInitContext context) {
            this.store = store;
            this.time = context.getProcessingTimeService();
            this.writerId = "flink-" + context.getTaskInfo().getIndexOfThisSubtask();
            this.retries = context.metricGroup().counter("redisWriteRetries");
            this.entities = context.metricGroup().counter("entitiesWritten");
        }

        @Override
        public void write(TileWrites element, Context context) throws IOException, InterruptedException {
            element.addTo(pending);
            entities.inc();
            pendingEntities++;
            if (element.traces != null && tracer != null) {
                Instant now = Instant.now();
                for (String t : element.traces.split(" ")) {
                    tracedParents.add(JobSpans.parse(t));
                    tracedSince.add(now);
                }
            }
            newest = Math.max(newest, element.newestEventTime);
            if (pending.size() >= maxBatchOps) {
                writeBatch();
            } else if (!lingering) {
                lingering = true;
                time.registerTimer(time.getCurrentProcessingTime() + lingerMillis, t -> {
                    lingering = false;
                    writeBatch();
                });
            }
        }

        @Override
        public void writeWatermark(Watermark w) {
            if (w.getTimestamp() != Long.MAX_VALUE) {
                watermark = w.getTimestamp();
            }
        }

        @Override
        public void flush(boolean endOfInput) throws InterruptedException {
            writeBatch();
        }

        private void writeBatch() throws InterruptedException {
            if (pending.isEmpty()) {
                return;
            }
            WriteSet ws = new WriteSet();
            if (!layoutsWritten) {
                putLayouts(ws);
            }
            ws.addAll(pending);
            EntityWrites.putWriterProgress(ws, sourceName, writerId, newest, watermark);
            Span batch = tracer == null ? null : tracer.spanBuilder("write batch " + sourceName).setNoParent()
                    .setSpanKind(SpanKind.CLIENT).setAttribute(JobSpans.SOURCE, sourceName)
                    .setAttribute(JobSpans.OPERATIONS, (long) ws.size()).setAttribute(JobSpans.ENTITIES, (long) pendingEntities)
                    .startSpan();
            long backoff = 100;
            for (int attempt = 1; ; attempt++) {
                try {
                    store.write(ws);
                    if (batch != null) {
                        endSpans(batch, attempt);
                    }
                    break;
                } catch (StoreException e) {
                    retries.inc();
                    if (batch != null) {
                        batch.addEvent("redis write failed: " + e.getMessage());
                    }
                    LOG.warn("could not write {} tile operations of source '{}' to Redis (attempt {}): {}; retrying in {} ms"
                            + " (nothing is lost: the job waits, and resumes when Redis is back)", pending.size(), sourceName,
                            attempt, e.getMessage(), backoff);
                    Thread.sleep(backoff);
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                }
            }
            if (backoff > 100) {
                LOG.info("Redis is back: wrote the tiles of source '{}' after {} ms of retries", sourceName, backoff);
            }
            layoutsWritten = true;
            pending = new WriteSet();
            pendingEntities = 0;
        }

        /** Ends the batch's span and, for each traced record it made visible, a write span under the record's apply span. */
        private void endSpans(Span batch, int attempts) {
            batch.setAttribute(JobSpans.ATTEMPTS, (long) attempts);
            Instant now = Instant.now();
            for (int i = 0; i < tracedParents.size(); i++) {
                tracer.spanBuilder("write tiles " + sourceName).setSpanKind(SpanKind.CLIENT)
                        .setParent(io.opentelemetry.context.Context.root().with(Span.wrap(tracedParents.get(i))))
                        .addLink(batch.getSpanContext()).setAttribute(JobSpans.SOURCE, sourceName)
                        .setAttribute(JobSpans.ATTEMPTS, (long) attempts)
                        .setStartTimestamp(tracedSince.get(i)).startSpan().end(now);
            }
            tracedParents.clear();
            tracedSince.clear();
            batch.end(now);
        }

        private void putLayouts(WriteSet ws) {
            Definitions defs = bundle.definitions();
            Source source = defs.source(sourceName).orElseThrow();
            FieldLayout layout = SourceFields.layout(defs, source);
            for (FeatureGroup g : defs.groupsOf(source)) {
                EntityWrites.putLayouts(ws, GroupAggregator.compile(g, layout));
            }
        }

        @Override
        public void close() throws Exception {
            store.close();
        }
    }
}
