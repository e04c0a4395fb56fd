package dev.tessera.generator;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Turns the world's events into delivered records: injects {@link Disorder}, classifies every record
 * by the rules stated on {@link Disorder}, keeps the sources asked for, and stops at the configured end.
 * The world starts {@link #warmUpMillis} before the first delivered event, so delivery begins in a
 * world at its steady state.
 *
 * <h2>Injection</h2>
 * For every world event, one draw picks at most one kind (with the configured rates) and a second
 * sets its magnitude:
 * <ul>
 *   <li>late: stamped 1 s to 1 h before the source's newest time minus its lateness (an event held
 *       up longer than the lateness allows);</li>
 *   <li>out of order: stamped up to half the lateness before the source's newest time;</li>
 *   <li>duplicate: delivered normally, and the same bytes again up to min(lateness / 2, 1 min) later,
 *       which keeps the copy inside the lateness (else the runtime would call it late);</li>
 *   <li>broken JSON: the record cut short; missing key: without its entity key fields; wrong type:
 *       {@code event_time} as a local date string;</li>
 *   <li>future: the time written in microseconds instead of milliseconds, a classic producer bug
 *       that puts an event tens of thousands of years ahead. A few hours ahead would not do: replayed
 *       into a runtime after the simulated span, such an event lies in the runtime's past, is accepted,
 *       and drags the watermark forward so that the events after it are dropped as late.</li>
 * </ul>
 * Late and out of order need a newest time, future a clock: the first events of a stream get none.
 * Late and out of order are then counted by classifying the stamped record (not by what was drawn),
 * so the counts are exactly what a reader of the output finds by the rules on {@link Disorder}.
 *
 * <h2>Why draws never depend on the filter</h2>
 * Every world event takes its two draws, and updates the newest times and the clock, whether its
 * source is delivered or not. So the payments of a run restricted to payments are byte for byte the
 * payments of a full run over the same duration.
 */
final class Delivery {
    private static final long NONE = Long.MIN_VALUE;
    private static final long HOUR = 3_600_000L;
    private static final long LATE_SPREAD = HOUR;
    private static final long MAX_RETRY_DELAY = 60_000L;

    private record Resend(long time, long order, GeneratedRecord record) implements Comparable<Resend> {
        @Override
        public int compareTo(Resend o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final GeneratorConfig config;
    private final Simulation world;
    private final Rng rng;
    private final StatsCounter stats;
    private final long start;
    private final long end;
    private final boolean[] delivered = new boolean[CommerceSource.values().length];
    private final long[] lateness = new long[CommerceSource.values().length];
    private final long[] skew = new long[CommerceSource.values().length];
    private final long[] newest = new long[CommerceSource.values().length];
    private final PriorityQueue<Resend> resends = new PriorityQueue<>();
    private long resendOrder;
    private long clock = NONE;
    private long emitted;
    private boolean finished;

    Delivery(GeneratorConfig config, long startMillis, StatsCounter stats) {
        this.config = config;
        this.world = new Simulation(config, startMillis - warmUpMillis(config.eventsPerSecond()));
        this.rng = new Rng(Rng.mix64(config.seed() ^ 0x3C6EF372FE94F82BL));
        this.stats = stats;
        this.start = startMillis;
        this.end = config.durationMillis() > 0 ? startMillis + config.durationMillis() : Long.MAX_VALUE;
        Arrays.fill(newest, NONE);
        for (CommerceSource s : CommerceSource.values()) {
            delivered[s.ordinal()] = config.sources().contains(s);
            lateness[s.ordinal()] = config.timing().get(s).latenessMillis();
            skew[s.ordinal()] = config.timing().get(s).maxClockSkewMillis();
        }
    }

    /**
     * How long the world runs before delivery starts: 30 minutes, or less when that would be more
     * than a million events (about half a second of work). Sessions schedule payments minutes after
     * their login, and rings fill their stashes as they go; without a warm-up the first half hour
     * has too few payments, no cash-out, and an event rate up to 10% below the configured one (seen
     * in live mode, where that half hour is the demo). 10 minutes still left the rate 5% low.
     */
    static long warmUpMillis(double eventsPerSecond) {
        return (long) Math.min(30 * 60_000.0, 1_000_000 / eventsPerSecond * 1000);
    }

    Simulation world() {
        return world;
    }

    /** When the next record is due (simulated time); it may belong to a source that is not delivered. */
    long peekTime() {
        Resend r = resends.peek();
        long t = world.peekTime();
        return r != null && r.time() <= t ? r.time() : t;
    }

    /** Fraction of the configured run done, in [0, 1]; 0 for an unbounded run. */
    double progress() {
        double byCount = config.maxEvents() > 0 ? (double) emitted / config.maxEvents() : 0;
        long last = stats.lastTime();
        double byTime = config.durationMillis() > 0 && last >= start ? (double) (last - start) / config.durationMillis() : 0;
        return Math.min(1, Math.max(byCount, byTime));
    }

    /**
     * The next record in delivery order if it is due at or before {@code until}; null when nothing
     * is due yet, or when the run has reached its end ({@link #finished()}).
     */
    GeneratedRecord next(long until) {
        while (!finished) {
            if (config.maxEvents() > 0 && emitted >= config.maxEvents()) {
                finished = true;
                break;
            }
            Resend resend = resends.peek();
            long worldTime = world.peekTime();
            if (resend != null && resend.time() <= worldTime) {
                if (resend.time() >= end) {
                    finished = true;
                    break;
                }
                if (resend.time() > until) {
                    return null;
                }
                resends.poll();
                return deliver(resend.record(), resend.time());
            }
            if (worldTime >= end) {
                finished = true;
                break;
            }
            if (worldTime > until) {
                return null;
            }
            Simulation.Scheduled s = world.poll();
            if (s.time() < start) {
                continue; // warming up: nobody sees these
            }
            GeneratedRecord r = inject(s.event(), s.time());
            if (r != null) {
                return deliver(r, s.time());
            }
        }
        return null;
    }

    /** True once the configured count or duration is reached; never for an unbounded run. */
    boolean finished() {
        return finished;
    }

    private GeneratedRecord deliver(GeneratedRecord r, long time) {
        emitted++;
        stats.count(r, time);
        return r;
    }

    private GeneratedRecord inject(WorldEvent e, long time) {
        int i = e.source().ordinal();
        double u = rng.nextDouble();
        double magnitude = rng.nextDouble();
        Disorder drawn = config.disorder().pick(u);
        long stamp = time;
        JsonLine.Shape shape = JsonLine.Shape.NORMAL;
        if (drawn == Disorder.LATE) {
            if (newest[i] == NONE) {
                drawn = null;
            } else {
                stamp = newest[i] - lateness[i] - 1_000 - (long) (magnitude * LATE_SPREAD);
            }
        } else if (drawn == Disorder.OUT_OF_ORDER) {
            if (newest[i] == NONE || lateness[i] < 4) {
                drawn = null;
            } else {
                stamp = newest[i] - 1 - (long) (magnitude * (lateness[i] / 2 - 1));
            }
        } else if (drawn == Disorder.FUTURE) {
            if (clock == NONE) {
                drawn = null;
            } else {
                stamp = Math.multiplyExact(time, 1000L); // microseconds where milliseconds belong
            }
        } else if (drawn == Disorder.MISSING_KEY) {
            shape = JsonLine.Shape.WITHOUT_KEYS;
        } else if (drawn == Disorder.WRONG_TYPE) {
            shape = JsonLine.Shape.TIME_AS_TEXT;
        }

        Disorder observed;
        if (drawn != null && (drawn.malformed() || drawn == Disorder.FUTURE)) {
            observed = drawn;
        } else {
            observed = classify(i, stamp);
            newest[i] = Math.max(newest[i], stamp);
            clock = Math.max(clock, stamp);
        }
        if (!delivered[i]) {
            return null;
        }
        byte[] value = e.json(stamp, shape);
        if (drawn == Disorder.BROKEN_JSON) {
            value = Arrays.copyOf(value, 1 + (int) (magnitude * (value.length - 1)));
        }
        GeneratedRecord r = new GeneratedRecord(e.source(), e.accountId(), value, stamp, observed, e.fraud());
        if (e.fraud() != null && (observed == null || observed == Disorder.OUT_OF_ORDER)) {
            stats.sight(e.sighting(stamp));
        }
        if (drawn == Disorder.DUPLICATE) {
            long delay = (long) (magnitude * Math.min(lateness[i] / 2, MAX_RETRY_DELAY));
            resends.add(new Resend(time + delay, resendOrder++,
                    new GeneratedRecord(r.source(), r.key(), value, stamp, Disorder.DUPLICATE, r.fraud())));
        }
        return r;
    }

    /**
     * Late or out of order, per {@link Disorder}, for a record stamped {@code stamp} in source {@code i}
     * that is not future. Future records are whatever was stamped ahead (never a record of the world's
     * own time after a quiet spell: that would stop the clock and make every later record future).
     */
    private Disorder classify(int i, long stamp) {
        if (newest[i] != NONE) {
            if (stamp < newest[i] - lateness[i]) {
                return Disorder.LATE;
            }
            if (stamp < newest[i]) {
                return Disorder.OUT_OF_ORDER;
            }
        }
        return null;
    }
}
