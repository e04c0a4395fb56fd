package dev.tessera.cli;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.LoadResult;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.api.TimeSpan;
import dev.tessera.generator.CommerceSource;
import dev.tessera.generator.CommerceWorld;
import dev.tessera.generator.DisorderRates;
import dev.tessera.generator.GenerationStats;
import dev.tessera.generator.GeneratorConfig;
import dev.tessera.generator.JsonlFileSink;
import dev.tessera.generator.KafkaRecordSink;
import dev.tessera.generator.LiveGeneration;
import dev.tessera.generator.LiveGenerator;
import dev.tessera.generator.RecordSink;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tessera generate}: the synthetic commerce world (generator/README.md) to JSONL files or to
 * Kafka, in simulated time (reproducible from the seed) or live on the wall clock.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write synthetic commerce events (payments, logins, signups, chargebacks) with fraud patterns and"
                + " deliberate disorder, to JSONL files or Kafka.",
            "The same options write the same bytes: the world follows from --seed, starting at --start in simulated time."},
        footer = {"%nExamples:",
            "  tessera generate --out out/events.jsonl      # out/events.<source>.jsonl",
            "  tessera generate --out pay.jsonl --source payments --events 100000",
            "  tessera generate --features examples/commerce \\",
            "      --bootstrap-servers localhost:9092 --live --rate 200"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:events written", "1:bad definitions, unreachable Kafka, missing topic or unwritable file (printed)",
            "2:invalid command line"})
final class GenerateCommand implements Callable<Integer> {
    private static final String[] RATE_OPTIONS = {"--late", "--out-of-order", "--duplicate", "--malformed", "--future"};

    @Mixin
    CommonOptions common;

    static final class Target {
        @Option(names = "--out", paramLabel = "FILE.jsonl", required = true,
                description = {"Write JSON lines. With one --source, exactly FILE.jsonl; otherwise one file per source next"
                        + " to it, named <stem>.<source>.jsonl (out/events.jsonl gives out/events.payments.jsonl,"
                        + " out/events.logins.jsonl, ...). The paths are printed."})
        Path out;

        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true,
                description = "Produce to each source's topic as the definitions (--features) name it, keyed by account_id."
                        + " Topics must exist.")
        String bootstrapServers;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--source", paramLabel = "SOURCE", split = ",",
            description = "Only these sources: payments, logins, signups, chargebacks (repeat or separate with commas)."
                    + " The world is the same: each source's events do not depend on which others are written.")
    List<String> sourceNames;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "The world follows from it (its ids too). Default: ${DEFAULT-VALUE}; with --live, a new seed each run,"
                    + " printed (a second live run with the same seed repeats the first one's ids, which the stream drops as"
                    + " duplicates)")
    long seed;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "10000",
            description = "Customer accounts at the start (sign-ups and fraud rings add more). Default: ${DEFAULT-VALUE}")
    int accounts;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S",
            description = "Events per second of simulated time (with --live: of wall-clock time). Default: 1 (--live: 200)")
    Double rate;

    static final class Length {
        @Option(names = "--events", paramLabel = "N", required = true, description = "Stop after N events.")
        Long events;

        @Option(names = "--duration", paramLabel = "DURATION", required = true, converter = SpanConverter.class,
                description = "Stop after this much simulated time (10m, 6h, 2d, 1w).")
        TimeSpan duration;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nHow much (default: --duration 2d; with --live: until Ctrl-C):%n")
    Length length;

    @Option(names = "--start", paramLabel = "TIME", converter = StartConverter.class,
            description = "Simulated time of the first event: ISO-8601 (2026-01-01T00:00:00Z), a date (2026-01-01) or epoch"
                    + " millis. Default: 2026-01-01T00:00:00Z (fixed, so runs repeat)")
    Instant start;

    @Option(names = "--live", description = "Stamp events with the wall clock and pace them to --rate until Ctrl-C (or"
            + " --events / --duration). Chargebacks then arrive minutes, not days, after their payment.")
    boolean live;

    @Option(names = "--late", paramLabel = "RATE", converter = RateConverter.class, defaultValue = "0.002",
            description = "Fraction of events delivered after their source's lateness (0.01 or 1%%). Default: ${DEFAULT-VALUE}")
    double late;

    @Option(names = "--out-of-order", paramLabel = "RATE", converter = RateConverter.class, defaultValue = "0.02",
            description = "Fraction of events behind newer ones, within the lateness. Default: ${DEFAULT-VALUE}")
    double outOfOrder;

    @Option(names = "--duplicate", paramLabel = "RATE", converter = RateConverter.class, defaultValue = "0.005",
            description = "Fraction of events sent twice (same id, same bytes). Default: ${DEFAULT-VALUE}")
    double duplicate;

    @Option(names = "--malformed", paramLabel = "RATE", converter = RateConverter.class, defaultValue = "0.003",
            description = "Fraction of events broken: cut JSON, missing keys, or event_time as a date string. Default: ${DEFAULT-VALUE}")
    double malformed;

    @Option(names = "--future", paramLabel = "RATE", converter = RateConverter.class, defaultValue = "0.001",
            description = "Fraction of events stamped far ahead (microseconds for milliseconds). Default: ${DEFAULT-VALUE}")
    double future;

    @Option(names = "--no-disorder", description = "A clean stream: every disorder rate 0.")
    boolean noDisorder;

    @Option(names = "--fraud", paramLabel = "SHARE", converter = RateConverter.class, defaultValue = "0.03",
            description = "Fraction of events from fraud patterns (at most 0.5). Default: ${DEFAULT-VALUE}")
    double fraud;

    @Option(names = "--chargeback-delay", paramLabel = "MIN..MAX", converter = DelayConverter.class,
            description = "Time from a payment to its chargeback. Default: 1d..14d (--live: 1m..5m)")
    DelayRange chargebackDelay;

    @Option(names = "--violations", paramLabel = "SOURCE=RATE", split = ",",
            description = {"With --live: make this fraction of a source's events break the quality rules a team would write",
                    "(payments: a negative amount or status UNKNOWN; others: country null), e.g. payments=0.05.",
                    "For trying alerts; the events stay well-formed and are applied."})
    Map<String, Double> violations = new java.util.LinkedHashMap<>();

    @Option(names = "--stall", paramLabel = "SOURCE@AFTER", split = ",",
            description = {"With --live: stop producing a source's events AFTER this long (payments@30s), as an upstream",
                    "outage would; its freshness alert fires once its threshold has passed."})
    List<String> stalls = new java.util.ArrayList<>();

    @Option(names = "--no-progress", description = "No progress bar on stderr (it is shown only on a terminal anyway), and with"
            + " --live no progress line every 10 s.")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Definitions defs = null;
        boolean featuresGiven = spec.commandLine().getParseResult().hasMatchedOption("--features");
        if (target.bootstrapServers != null || featuresGiven || Files.exists(common.features)) {
            LoadResult loaded = DefinitionLoader.validate(common.features);
            if (!loaded.ok()) {
                ProblemReport.print(loaded.problems(), common.features, err);
                return 1;
            }
            defs = loaded.definitions();
        }
        GeneratorConfig config = config(defs);
        if (target.out != null) {
            Map<CommerceSource, Path> files = config.sources().size() == 1 && sourceNames != null
                    ? Map.of(config.sources().iterator().next(), target.out)
                    : JsonlFileSink.filesNextTo(target.out, config.sources());
            Map<CommerceSource, String> where = new EnumMap<>(CommerceSource.class);
            files.forEach((s, p) -> where.put(s, p.toString()));
            return generate(config, () -> new JsonlFileSink(files), where, "wrote", out, err);
        }
        Map<String, String> topics = topics(defs, config.sources());
        Map<CommerceSource, String> where = new EnumMap<>(CommerceSource.class);
        config.sources().forEach(s -> where.put(s, topics.get(s.sourceName())));
        return generate(config, () -> KafkaRecordSink.open(target.bootstrapServers, topics), where,
                "produced to " + target.bootstrapServers + ":", out, err);
    }

    private GeneratorConfig config(Definitions defs) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (noDisorder) {
            for (String option : RATE_OPTIONS) {
                if (parsed.hasMatchedOption(option)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--no-disorder sets every disorder rate to 0; drop it, or drop " + option);
                }
            }
        }
        if (!live && (!violations.isEmpty() || !stalls.isEmpty())) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--violations and --stall inject faults into a live run; add --live");
        }
        if (live && start != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--start sets simulated time; --live stamps events with the wall clock. Drop one of them.");
        }
        GeneratorConfig.Builder b = live ? GeneratorConfig.liveBuilder() : GeneratorConfig.builder();
        if (defs != null) {
            b.definitions(defs); // a mismatch is the definitions' problem (exit 1), not the command line's
        }
        try {
            return options(b).build();
        } catch (TesseraException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private GeneratorConfig.Builder options(GeneratorConfig.Builder b) {
        if (live && !spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            seed = Math.floorMod(new java.security.SecureRandom().nextLong(), 1_000_000_000L); // fresh ids on every live run
        }
        b.seed(seed).accounts(accounts).fraudShare(fraud)
                .disorder(noDisorder ? DisorderRates.NONE : new DisorderRates(late, outOfOrder, duplicate, malformed, future));
        if (rate != null) {
            b.eventsPerSecond(rate);
        }
        if (start != null) {
            b.start(start);
        }
        if (length != null && length.events != null) {
            b.events(length.events);
        } else if (length != null) {
            b.duration(Duration.ofMillis(length.duration.millis()));
        }
        if (chargebackDelay != null) {
            b.chargebackDelay(Duration.ofMillis(chargebackDelay.min().millis()), Duration.ofMillis(chargebackDelay.max().millis()));
        }
        if (sourceNames != null) {
            Set<CommerceSource> chosen = EnumSet.noneOf(CommerceSource.class);
            for (String name : sourceNames) {
                chosen.add(CommerceSource.named(name.trim()));
            }
            b.sources(chosen);
        }
        return b;
    }

    private Map<String, String> topics(Definitions defs, Set<CommerceSource> sources) {
        Map<String, String> topics = new LinkedHashMap<>();
        for (CommerceSource s : sources) {
            Source def = defs.source(s.sourceName()).orElseThrow(() -> new TesseraException("the definitions in "
                    + common.features + " have no source '" + s.sourceName() + "', so it has no topic; add it (see"
                    + " examples/commerce/sources.yaml), or generate only the sources they define: --source "
                    + String.join(",", defs.sources().keySet().stream()
                            .filter(n -> java.util.Arrays.stream(CommerceSource.values()).anyMatch(c -> c.sourceName().equals(n)))
                            .toList())));
            topics.put(s.sourceName(), def.topic());
        }
        return topics;
    }

    /** Opens a sink; may fail with a {@link TesseraException} saying why. */
    private interface SinkFactory {
        RecordSink open();
    }

    private int generate(GeneratorConfig config, SinkFactory sinks, Map<CommerceSource, String> where, String verb,
            PrintWriter out, PrintWriter err) throws InterruptedException {
        if (live) {
            return generateLive(config, sinks.open(), where, verb, out);
        }
        ProgressBar bar = new ProgressBar(err, !noProgress && System.console() != null);
        GenerationStats stats;
        try (RecordSink sink = sinks.open()) {
            stats = new CommerceWorld(config).run(sink, bar::update);
        } finally {
            bar.done();
        }
        GenerationReport.print(out, config, stats, where, verb);
        return 0;
    }

    /** Until the configured count or duration, or until Ctrl-C / SIGTERM; prints a line every 10 s. */
    private int generateLive(GeneratorConfig config, RecordSink sink, Map<CommerceSource, String> where, String verb,
            PrintWriter out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS); // let the sink flush
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tessera-generate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LiveGeneration generation = LiveGenerator.start(config, sink);
            Map<CommerceSource, Long> stallAt = faults(generation);
            try {
                out.printf(Locale.ROOT, "generating %s events/s on the wall clock, seed %d (Ctrl-C stops); most active accounts: %s%n",
                        config.eventsPerSecond(), seed, String.join(", ", generation.activeKeys(3).accounts()));
                out.flush();
                long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (generation.running() && !stop.await(100, TimeUnit.MILLISECONDS)) {
                    for (Map.Entry<CommerceSource, Long> e : List.copyOf(stallAt.entrySet())) {
                        if (System.nanoTime() >= e.getValue()) {
                            generation.faults().stall(e.getKey(), true);
                            stallAt.remove(e.getKey());
                            out.println("stalled " + e.getKey().sourceName() + ": its events are no longer produced");
                            out.flush();
                        }
                    }
                    if (System.nanoTime() >= nextReport && !noProgress) {
                        printProgress(out, config, generation);
                        nextReport += TimeUnit.SECONDS.toNanos(10);
                    }
                }
            } finally {
                generation.close();
            }
            if (generation.failure() != null) {
                throw new TesseraException("the generator stopped: " + generation.failure().getMessage(), generation.failure());
            }
            GenerationReport.print(out, config, generation.stats(), where, verb, notProduced(config, generation));
            return 0;
        } finally {
            closed.countDown(); // after the summary: on Ctrl-C the JVM exits as soon as the hook returns
            if (stop.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
    }

    /** Applies --violations now; returns when (System.nanoTime) each --stall starts. */
    private Map<CommerceSource, Long> faults(LiveGeneration generation) {
        for (Map.Entry<String, Double> v : violations.entrySet()) {
            generation.faults().violations(CommerceSource.named(v.getKey()), v.getValue());
        }
        Map<CommerceSource, Long> at = new java.util.EnumMap<>(CommerceSource.class);
        for (String s : stalls) {
            int sep = s.indexOf('@');
            if (sep <= 0) {
                throw new TesseraException("--stall " + s + ": write SOURCE@AFTER, e.g. payments@30s");
            }
            TimeSpan after = new SpanConverter().convert(s.substring(sep + 1));
            at.put(CommerceSource.named(s.substring(0, sep)), System.nanoTime() + after.millis() * 1_000_000L);
        }
        return at;
    }

    /** Records each source generated but did not produce (stalled), by source; only those with some. */
    private static Map<CommerceSource, Long> notProduced(GeneratorConfig config, LiveGeneration generation) {
        Map<CommerceSource, Long> not = new java.util.EnumMap<>(CommerceSource.class);
        for (CommerceSource s : config.sources()) {
            long n = generation.faults().dropped(s);
            if (n > 0) {
                not.put(s, n);
            }
        }
        return not;
    }

    private static void printProgress(PrintWriter out, GeneratorConfig config, LiveGeneration generation) {
        GenerationStats s = generation.stats();
        Map<CommerceSource, Long> not = notProduced(config, generation);
        long withheld = not.values().stream().mapToLong(Long::longValue).sum();
        out.printf(Locale.ROOT, "%,d events produced (%s), %d ms behind%n", s.totalRecords() - withheld, s.records().entrySet().stream()
                .filter(e -> config.sources().contains(e.getKey()))
                .map(e -> String.format(Locale.ROOT, "%s %,d%s", e.getKey().sourceName(), e.getValue() - not.getOrDefault(e.getKey(), 0L),
                        not.containsKey(e.getKey()) ? " (stalled)" : ""))
                .collect(java.util.stream.Collectors.joining(", ")), generation.lagMillis());
        out.flush();
    }

    static final class SpanConverter implements ITypeConverter<TimeSpan> {
        @Override
        public TimeSpan convert(String value) {
            try {
                return TimeSpan.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code 0.01} or {@code 1%}. */
    static final class RateConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.trim();
            try {
                double d = v.endsWith("%") ? Double.parseDouble(v.substring(0, v.length() - 1)) / 100 : Double.parseDouble(v);
                if (!(d >= 0 && d <= 1)) {
                    throw new TypeConversionException("'" + value + "' is not between 0 and 1; write a fraction (0.01) or a"
                            + " percentage (1%)");
                }
                return d;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a rate; write a fraction (0.01) or a percentage (1%)");
            }
        }
    }

    /** An instant, a UTC date, or epoch millis. */
    static final class StartConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            String v = value.trim();
            try {
                if (v.matches("-?\\d+")) {
                    return Instant.ofEpochMilli(Long.parseLong(v));
                }
                if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                    return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(v);
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a time; write ISO-8601 (2026-01-01T00:00:00Z),"
                        + " a date (2026-01-01) or epoch millis");
            }
        }
    }

    /** A range of durations, {@code MIN..MAX}. */
    record DelayRange(TimeSpan min, TimeSpan max) {
    }

    static final class DelayConverter implements ITypeConverter<DelayRange> {
        @Override
        public DelayRange convert(String value) {
            String[] parts = value.split("\\.\\.", -1);
            if (parts.length != 2) {
                throw new TypeConversionException("'" + value + "' is not a range; write MIN..MAX, e.g. 1d..14d or 1m..5m");
            }
            TimeSpan min = new SpanConverter().convert(parts[0]);
            TimeSpan max = new SpanConverter().convert(parts[1]);
            if (min.compareTo(max) > 0) {
                throw new TypeConversionException("'" + value + "' has its minimum above its maximum; write MIN..MAX, e.g. 1d..14d");
            }
            return new DelayRange(min, max);
        }
    }
}
