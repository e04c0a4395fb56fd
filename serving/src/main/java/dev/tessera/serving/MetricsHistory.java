package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.runtime.SourceCounters.Outcome;
import dev.tessera.runtime.StreamRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last hour of each source's figures, for the console's charts ({@code GET /v1/history}):
 * sampled from the stream runtime every {@code interval} (default 5 s) into a ring of
 * {@code capacity} points per source (default 720, one hour), oldest dropped first. Prometheus
 * keeps the long history; this is what a person opening the console sees without one.
 *
 * <h2>A point</h2>
 * {@code t} (epoch millis of the sample), {@code freshness_s} (now minus the newest applied event
 * time; null before the first event), {@code lag} (consumer lag in records; null while unknown), and
 * rates over the interval since the previous sample, from the differences of the runtime's
 * cumulative outcome counters:
 * <ul>
 *   <li>{@code in_per_s}, {@code accepted_per_s}: events read, events applied;</li>
 *   <li>{@code rejected_per_s}: events dead-lettered, i.e. neither accepted nor duplicates (late,
 *       future, malformed, missing_key, ...: every outcome but {@code in}, {@code accepted},
 *       {@code duplicate} and {@code non_finite_value}, which notes a value of an accepted event);</li>
 *   <li>{@code reject_rate}: rejected / (accepted + duplicate + rejected) over the interval, in [0, 1];
 *       null when no event was decided in it.</li>
 * </ul>
 * Why the rejected count is summed from the reject outcomes, and the rate's denominator is the events
 * decided rather than {@code in}: the runtime adds {@code in} when it takes a batch, rejections as it
 * goes and {@code accepted}/{@code duplicate} when it finishes it, so {@code in − accepted − duplicate}
 * sampled in the middle of a batch counts the whole unfinished batch as rejected (and the next sample
 * as negative). The sums used here are never negative and the share never leaves [0, 1]; over the
 * whole history they equal {@code in − accepted − duplicate}. A sample right after the previous one
 * (under 1 ms) or after a counter went backwards has null rates. The first point has null rates.
 *
 * <p>Thread-safe: sampled on its own daemon thread, read by the HTTP event loop; both are short
 * critical sections on this object (a sample is a few map reads per source).
 */
public final class MetricsHistory implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_CAPACITY = 720;

    private static final Logger LOG = LoggerFactory.getLogger(MetricsHistory.class);
    /** Outcomes that are not rejections: the rest dead-letter the event. */
    private static final Set<String> NOT_REJECTED = Set.of(Outcome.IN.code(), Outcome.ACCEPTED.code(),
            Outcome.DUPLICATE.code(), Outcome.NON_FINITE_VALUE.code());

    /** What is sampled, per source: {@link StreamRuntime} answers all of it. */
    interface Probe {
        List<String> sources();

        /** Cumulative counts by outcome code ({@code in}, {@code accepted}, {@code duplicate}, {@code late}, ...). */
        Map<String, Long> counters(String source);

        /** Newest applied event time, {@link Long#MIN_VALUE} before the first. */
        long newestEventTime(String source);

        /** Consumer lag in records, negative while unknown. */
        long lag(String source);
    }

    /** One sample of one source; null where there is no value (see the class comment). */
    record Point(long t, Double freshnessS, Double inPerS, Double acceptedPerS, Double rejectedPerS, Double rejectRate, Long lag) {}

    /** A source's ring of points and the counters of its last sample (rates are differences to them). */
    private static final class Series {
        final Point[] ring;
        int next;
        int size;
        boolean sampled;
        long lastT;
        long lastIn;
        long lastAccepted;
        long lastDuplicate;
        long lastRejected;

        Series(int capacity) {
            ring = new Point[capacity];
        }

        void add(Point p) {
            ring[next] = p;
            next = (next + 1) % ring.length;
            size = Math.min(size + 1, ring.length);
        }

        List<Point> points() {
            List<Point> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(ring[(next - size + i + ring.length) % ring.length]);
            }
            return out;
        }
    }

    private final Probe probe;
    private final LongSupplier clock;
    private final long intervalMillis;
    private final int capacity;
    private final Map<String, Series> series = new LinkedHashMap<>();
    private final ScheduledExecutorService scheduler;

    private MetricsHistory(Probe probe, LongSupplier clock, Duration interval, int capacity, boolean scheduled) {
        if (interval.toMillis() <= 0) {
            throw new IllegalArgumentException("the history's sampling interval must be at least 1 ms, got " + interval);
        }
        if (capacity < 2) {
            throw new IllegalArgumentException("the history must hold at least 2 points per source, got " + capacity);
        }
        this.probe = probe;
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
        this.capacity = capacity;
        for (String s : probe.sources()) {
            series.put(s, new Series(capacity));
        }
        if (scheduled) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tessera-history");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleAtFixedRate(this::sampleLogged, 0, intervalMillis, TimeUnit.MILLISECONDS);
        } else {
            scheduler = null;
        }
    }

    /** Samples {@code runtime} every {@link #DEFAULT_INTERVAL}, keeping {@link #DEFAULT_CAPACITY} points per source. */
    public static MetricsHistory start(StreamRuntime runtime) {
        return start(runtime, DEFAULT_INTERVAL, DEFAULT_CAPACITY);
    }

    /** Samples {@code runtime} every {@code interval} (the first sample at once), keeping {@code capacity} points per source. */
    public static MetricsHistory start(StreamRuntime runtime, Duration interval, int capacity) {
        return new MetricsHistory(probe(SourceSignals.of(runtime)), System::currentTimeMillis, interval, capacity, true);
    }

    /**
     * Samples what {@code signals} knows every {@link #DEFAULT_INTERVAL}: a stateless serving node's
     * history, from the counts the Flink job publishes ({@link PublishedSignals}; lag unknown).
     */
    public static MetricsHistory start(SourceSignals signals) {
        return new MetricsHistory(probe(signals), System::currentTimeMillis, DEFAULT_INTERVAL, DEFAULT_CAPACITY, true);
    }

    private static Probe probe(SourceSignals signals) {
        return new Probe() {
            @Override
            public List<String> sources() {
                return signals.sources();
            }

            @Override
            public Map<String, Long> counters(String source) {
                return signals.counters(source);
            }

            @Override
            public long newestEventTime(String source) {
                return signals.newestEventTime(source);
            }

            @Override
            public long lag(String source) {
                return signals.lag(source);
            }
        };
    }

    /** A history that samples only when {@link #sample} is called (tests drive it and the clock). */
    static MetricsHistory manual(Probe probe, LongSupplier clock, Duration interval, int capacity) {
        return new MetricsHistory(probe, clock, interval, capacity, false);
    }

    private void sampleLogged() {
        try {
            sample();
        } catch (RuntimeException e) { // a thrown exception would cancel every later sample
            LOG.warn("sampling the metrics history failed; the next interval tries again", e);
        }
    }

    /** Takes one sample of every source. */
    synchronized void sample() {
        long now = clock.getAsLong();
        for (Map.Entry<String, Series> e : series.entrySet()) {
            String source = e.getKey();
            Series s = e.getValue();
            Map<String, Long> c = probe.counters(source);
            long in = c.getOrDefault(Outcome.IN.code(), 0L);
            long accepted = c.getOrDefault(Outcome.ACCEPTED.code(), 0L);
            long duplicate = c.getOrDefault(Outcome.DUPLICATE.code(), 0L);
            long rejected = 0;
            for (Map.Entry<String, Long> o : c.entrySet()) {
                if (!NOT_REJECTED.contains(o.getKey())) {
                    rejected += o.getValue();
                }
            }
            long newest = probe.newestEventTime(source);
            long lag = probe.lag(source);
            Double inPerS = null;
            Double acceptedPerS = null;
            Double rejectedPerS = null;
            Double rejectRate = null;
            long dIn = in - s.lastIn;
            long dAccepted = accepted - s.lastAccepted;
            long dDuplicate = duplicate - s.lastDuplicate;
            long dRejected = rejected - s.lastRejected;
            if (s.sampled && now > s.lastT && dIn >= 0 && dAccepted >= 0 && dDuplicate >= 0 && dRejected >= 0) {
                double seconds = (now - s.lastT) / 1000.0;
                inPerS = dIn / seconds;
                acceptedPerS = dAccepted / seconds;
                rejectedPerS = dRejected / seconds;
                long decided = dAccepted + dDuplicate + dRejected;
                rejectRate = decided == 0 ? null : (double) dRejected / decided;
            }
            s.add(new Point(now, newest == Long.MIN_VALUE ? null : Math.max(0, now - newest) / 1000.0,
                    inPerS, acceptedPerS, rejectedPerS, rejectRate, lag < 0 ? null : lag));
            s.sampled = true;
            s.lastT = now;
            s.lastIn = in;
            s.lastAccepted = accepted;
            s.lastDuplicate = duplicate;
            s.lastRejected = rejected;
        }
    }

    /** The points of {@code source}, oldest first (empty for a source the runtime does not consume). */
    synchronized List<Point> points(String source) {
        Series s = series.get(source);
        return s == null ? List.of() : s.points();
    }

    /**
     * {@code GET /v1/history}:
     * {@code {"interval_ms": 5000, "capacity": 720, "sources": {"payments": [{"t", "freshness_s", "in_per_s",
     * "accepted_per_s", "rejected_per_s", "reject_rate", "lag"}, ...], ...}}}, points oldest first.
     */
    synchronized void write(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeNumberField("interval_ms", intervalMillis);
        out.writeNumberField("capacity", capacity);
        out.writeObjectFieldStart("sources");
        for (Map.Entry<String, Series> e : series.entrySet()) {
            out.writeArrayFieldStart(e.getKey());
            for (Point p : e.getValue().points()) {
                out.writeStartObject();
                out.writeNumberField("t", p.t());
                number(out, "freshness_s", p.freshnessS());
                number(out, "in_per_s", p.inPerS());
                number(out, "accepted_per_s", p.acceptedPerS());
                number(out, "rejected_per_s", p.rejectedPerS());
                number(out, "reject_rate", p.rejectRate());
                out.writeFieldName("lag");
                if (p.lag() == null) {
                    out.writeNull();
                } else {
                    out.writeNumber(p.lag());
                }
                out.writeEndObject();
            }
            out.writeEndArray();
        }
        out.writeEndObject();
        out.writeEndObject();
    }

    private static void number(JsonGenerator out, String name, Double v) throws IOException {
        out.writeFieldName(name);
        if (v == null) {
            out.writeNull();
        } else {
            out.writeNumber(v);
        }
    }

    /** Stops sampling (the points stay readable). */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
