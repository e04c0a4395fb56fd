package dev.tessera.generator;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Everything that shapes a generated world. Two runs with equal configurations write the same bytes
 * (except in live mode, which follows the wall clock).
 *
 * @param seed              the world, its ids and its disorder all follow from it
 * @param accounts          customer accounts at the start (sign-ups and fraud rings add more)
 * @param startMillis       simulated time of the first event, epoch millis (live mode: ignored, now)
 * @param eventsPerSecond   average events per second of simulated time (live mode: of wall-clock time)
 * @param maxEvents         stop after this many records are delivered; 0 for no limit
 * @param durationMillis    stop at {@code start + duration} of simulated time; 0 for no limit
 * @param disorder          how often each kind of disorder is injected
 * @param fraudShare        the fraction of events that belong to fraud patterns
 * @param chargebackDelayMinMillis shortest time from a payment to its chargeback
 * @param chargebackDelayMaxMillis longest time from a payment to its chargeback
 * @param sources           the sources delivered (the world is always simulated whole, so a source's
 *                          records do not depend on which others are delivered)
 * @param timing            lateness and clock skew per source, for disorder injection
 */
public record GeneratorConfig(
        long seed,
        int accounts,
        long startMillis,
        double eventsPerSecond,
        long maxEvents,
        long durationMillis,
        DisorderRates disorder,
        double fraudShare,
        long chargebackDelayMinMillis,
        long chargebackDelayMaxMillis,
        Set<CommerceSource> sources,
        Map<CommerceSource, SourceTiming> timing) {

    /** 2026-01-01T00:00:00Z: the default start, fixed so that default runs are reproducible. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");
    public static final int MAX_ACCOUNTS = 50_000_000;
    public static final double MAX_EVENTS_PER_SECOND = 10_000_000;

    public GeneratorConfig {
        if (accounts < 1 || accounts > MAX_ACCOUNTS) {
            throw new TesseraException("accounts must be between 1 and " + MAX_ACCOUNTS + ", got " + accounts);
        }
        if (!(eventsPerSecond > 0 && eventsPerSecond <= MAX_EVENTS_PER_SECOND)) {
            throw new TesseraException("event rate must be above 0 and at most " + (long) MAX_EVENTS_PER_SECOND
                    + " events per second, got " + eventsPerSecond);
        }
        if (maxEvents < 0) {
            throw new TesseraException("the event count must be positive (or 0 for no limit), got " + maxEvents);
        }
        if (durationMillis < 0) {
            throw new TesseraException("the duration must be positive (or 0 for no limit), got " + durationMillis + " ms");
        }
        if (disorder == null) {
            throw new TesseraException("disorder rates are required; use DisorderRates.NONE for a clean stream");
        }
        if (!(fraudShare >= 0 && fraudShare <= 0.5)) {
            throw new TesseraException("fraud share " + fraudShare + " is not between 0 and 0.5 (e.g. 0.03 for 3% of events)");
        }
        if (chargebackDelayMinMillis <= 0 || chargebackDelayMaxMillis < chargebackDelayMinMillis) {
            throw new TesseraException("chargeback delay must be a positive range with min <= max, got "
                    + Duration.ofMillis(chargebackDelayMinMillis) + ".." + Duration.ofMillis(chargebackDelayMaxMillis));
        }
        if (sources == null || sources.isEmpty()) {
            throw new TesseraException("no source to generate; choose at least one of payments, logins, signups, chargebacks");
        }
        sources = Collections.unmodifiableSet(EnumSet.copyOf(sources));
        Map<CommerceSource, SourceTiming> t = new EnumMap<>(CommerceSource.class);
        for (CommerceSource s : CommerceSource.values()) {
            t.put(s, timing == null || timing.get(s) == null ? s.defaultTiming() : timing.get(s));
        }
        timing = Collections.unmodifiableMap(t);
    }

    /** Simulated-time defaults: 1 event/s for 2 days from {@link #DEFAULT_START}, chargebacks 1 to 14 days later. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Live-mode defaults: 200 events/s of wall-clock time until closed, chargebacks 1 to 5 minutes after
     * their payment (the demo cannot wait days).
     */
    public static Builder liveBuilder() {
        return new Builder().eventsPerSecond(200).unbounded()
                .chargebackDelay(Duration.ofMinutes(1), Duration.ofMinutes(5));
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.accounts = accounts;
        b.startMillis = startMillis;
        b.eventsPerSecond = eventsPerSecond;
        b.maxEvents = maxEvents;
        b.durationMillis = durationMillis;
        b.disorder = disorder;
        b.fraudShare = fraudShare;
        b.chargebackDelayMinMillis = chargebackDelayMinMillis;
        b.chargebackDelayMaxMillis = chargebackDelayMaxMillis;
        b.sources = EnumSet.copyOf(sources);
        b.timing.putAll(timing);
        return b;
    }

    /** True when neither an event count nor a duration ends the run. */
    public boolean unbounded() {
        return maxEvents == 0 && durationMillis == 0;
    }

    /** Builds a {@link GeneratorConfig}; every setter validates when {@link #build()} runs. */
    public static final class Builder {
        private long seed = 1;
        private int accounts = 10_000;
        private long startMillis = DEFAULT_START.toEpochMilli();
        private double eventsPerSecond = 1;
        private long maxEvents = 0;
        private long durationMillis = Duration.ofDays(2).toMillis();
        private DisorderRates disorder = DisorderRates.DEFAULT;
        private double fraudShare = 0.03;
        private long chargebackDelayMinMillis = Duration.ofDays(1).toMillis();
        private long chargebackDelayMaxMillis = Duration.ofDays(14).toMillis();
        private Set<CommerceSource> sources = EnumSet.allOf(CommerceSource.class);
        private final Map<CommerceSource, SourceTiming> timing = new EnumMap<>(CommerceSource.class);

        private Builder() {
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder accounts(int accounts) {
            this.accounts = accounts;
            return this;
        }

        public Builder start(Instant start) {
            this.startMillis = start.toEpochMilli();
            return this;
        }

        public Builder startMillis(long startMillis) {
            this.startMillis = startMillis;
            return this;
        }

        public Builder eventsPerSecond(double eventsPerSecond) {
            this.eventsPerSecond = eventsPerSecond;
            return this;
        }

        /** Stop after {@code events} delivered records (instead of a duration). */
        public Builder events(long events) {
            if (events <= 0) {
                throw new TesseraException("the event count must be positive, got " + events);
            }
            this.maxEvents = events;
            this.durationMillis = 0;
            return this;
        }

        /** Stop after {@code duration} of simulated time (instead of an event count). */
        public Builder duration(Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new TesseraException("the duration must be positive, got " + duration);
            }
            this.durationMillis = duration.toMillis();
            this.maxEvents = 0;
            return this;
        }

        /** Run until closed (live mode). */
        public Builder unbounded() {
            this.maxEvents = 0;
            this.durationMillis = 0;
            return this;
        }

        public Builder disorder(DisorderRates disorder) {
            this.disorder = disorder;
            return this;
        }

        public Builder fraudShare(double fraudShare) {
            this.fraudShare = fraudShare;
            return this;
        }

        public Builder chargebackDelay(Duration min, Duration max) {
            this.chargebackDelayMinMillis = min.toMillis();
            this.chargebackDelayMaxMillis = max.toMillis();
            return this;
        }

        public Builder sources(Collection<CommerceSource> sources) {
            this.sources = sources.isEmpty() ? EnumSet.noneOf(CommerceSource.class) : EnumSet.copyOf(sources);
            return this;
        }

        public Builder timing(CommerceSource source, SourceTiming timing) {
            this.timing.put(source, timing);
            return this;
        }

        /**
         * Takes lateness and clock skew from the sources of {@code defs} named like the generator's
         * (payments, logins, signups, chargebacks); sources it does not define keep the example's.
         *
         * @throws TesseraException when a source of that name could not read what the generator writes
         *     (not JSON, another timestamp or id field)
         */
        public Builder definitions(Definitions defs) {
            for (CommerceSource s : CommerceSource.values()) {
                Source def = defs.sources().get(s.sourceName());
                if (def == null) {
                    continue;
                }
                if (def.format() != SourceFormat.JSON) {
                    throw new TesseraException("source " + s.sourceName() + " is " + def.format().name().toLowerCase()
                            + " in the definitions, but the generator writes JSON; set format: json, or generate"
                            + " other sources with --source");
                }
                if (!CommerceSource.TIMESTAMP_FIELD.equals(def.timestamp())) {
                    throw new TesseraException("source " + s.sourceName() + " reads its time from '" + def.timestamp()
                            + "', but generated events carry it in '" + CommerceSource.TIMESTAMP_FIELD
                            + "'; set timestamp: " + CommerceSource.TIMESTAMP_FIELD);
                }
                if (def.id() != null && !s.idField().equals(def.id())) {
                    throw new TesseraException("source " + s.sourceName() + " reads its id from '" + def.id()
                            + "', but generated events carry it in '" + s.idField() + "'; set id: " + s.idField());
                }
                timing.put(s, new SourceTiming(def.lateness().millis(), def.maxClockSkew().millis()));
            }
            return this;
        }

        public GeneratorConfig build() {
            return new GeneratorConfig(seed, accounts, startMillis, eventsPerSecond, maxEvents, durationMillis, disorder,
                    fraudShare, chargebackDelayMinMillis, chargebackDelayMaxMillis, sources, timing);
        }
    }
}
