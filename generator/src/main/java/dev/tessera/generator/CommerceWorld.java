package dev.tessera.generator;

import dev.tessera.api.TesseraException;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * The synthetic commerce marketplace, generated in simulated time: as fast as the sink takes it,
 * from {@link GeneratorConfig#startMillis()} to the configured event count or duration.
 *
 * <pre>{@code
 * GeneratorConfig config = GeneratorConfig.builder().seed(7).accounts(5_000).duration(Duration.ofDays(1)).build();
 * try (JsonlFileSink sink = new JsonlFileSink(JsonlFileSink.filesNextTo(Path.of("out/events.jsonl"), config.sources()))) {
 *     GenerationStats stats = new CommerceWorld(config).run(sink);
 * }
 * }</pre>
 *
 * Each {@link #run} replays the world from the start: the same configuration gives the same records,
 * byte for byte. For events stamped with the wall clock, see {@link LiveGenerator}.
 */
public final class CommerceWorld {
    private final GeneratorConfig config;

    public CommerceWorld(GeneratorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public GeneratorConfig config() {
        return config;
    }

    /** Delivers every record of the run to {@code sink} (which stays open: the caller closes it). */
    public GenerationStats run(RecordSink sink) {
        return run(sink, fraction -> { });
    }

    /**
     * As {@link #run(RecordSink)}, reporting the fraction done (0 to 1) to {@code progress} every few
     * thousand records and once at the end.
     *
     * @throws TesseraException when the configuration has no end (neither events nor duration)
     */
    public GenerationStats run(RecordSink sink, DoubleConsumer progress) {
        if (config.unbounded()) {
            throw new TesseraException("a simulated run needs an end: set an event count or a duration"
                    + " (or use LiveGenerator for a run that lasts until it is closed)");
        }
        StatsCounter stats = new StatsCounter();
        Delivery delivery = new Delivery(config, config.startMillis(), stats);
        long n = 0;
        for (GeneratedRecord r = delivery.next(Long.MAX_VALUE); r != null; r = delivery.next(Long.MAX_VALUE)) {
            sink.write(r);
            if ((++n & 0x3FFF) == 0) {
                progress.accept(delivery.progress());
            }
        }
        progress.accept(1.0);
        return stats.snapshot();
    }

    /**
     * Keys of the {@code n} most active accounts of the starting population, with each one's main
     * card, device and home IP: entities that see traffic all through a run.
     */
    public ActiveKeys activeKeys(int n) {
        return new Population(config.accounts(), new Ids(config.seed()), config.seed()).activeKeys(n);
    }
}
