package dev.tessera.cli;

import dev.tessera.api.TimeSpan;
import dev.tessera.generator.CommerceSource;
import dev.tessera.generator.Disorder;
import dev.tessera.generator.GenerationStats;
import dev.tessera.generator.GeneratorConfig;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The summary {@code tessera generate} prints: records per source and where they went, disorder by
 * kind and source (with what the runtime does with each kind), fraud and chargebacks.
 */
final class GenerationReport {
    private GenerationReport() {
    }

    static void print(PrintWriter out, GeneratorConfig config, GenerationStats stats, Map<CommerceSource, String> destinations,
            String verb) {
        print(out, config, stats, destinations, verb, Map.of());
    }

    /**
     * @param destinations where each delivered source went: a file path or a topic
     * @param notProduced  records of a source generated but not produced (a live run's stall), left out of the counts
     */
    static void print(PrintWriter out, GeneratorConfig config, GenerationStats stats, Map<CommerceSource, String> destinations,
            String verb, Map<CommerceSource, Long> notProduced) {
        List<CommerceSource> sources = new ArrayList<>(config.sources());
        String span = stats.firstEventTime() < 0 ? "no events"
                : Instant.ofEpochMilli(stats.firstEventTime()) + " to " + Instant.ofEpochMilli(stats.lastEventTime());
        long withheld = notProduced.values().stream().mapToLong(Long::longValue).sum();
        out.printf(Locale.ROOT, "%s %,d events (seed %d, %,d accounts, %s)%n", verb, stats.totalRecords() - withheld, config.seed(),
                config.accounts(), span);
        for (CommerceSource s : sources) {
            long not = notProduced.getOrDefault(s, 0L);
            out.printf(Locale.ROOT, "  %-12s %,10d  %s%s%n", s.sourceName(), stats.records().get(s) - not, destinations.get(s),
                    not > 0 ? String.format(Locale.ROOT, " (%,d more not produced: stalled)", not) : "");
        }

        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-18s", "disorder injected"));
        sources.forEach(s -> header.append(String.format(Locale.ROOT, " %12s", s.sourceName())));
        out.println(header.append("   runtime outcome"));
        for (Disorder kind : Disorder.values()) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-16s", kind.code()));
            sources.forEach(s -> row.append(String.format(Locale.ROOT, " %,12d", stats.disorder(s, kind))));
            out.println(row.append("   ").append(kind.runtimeOutcome()));
        }

        out.println("fraud (events): " + stats.fraudRecords().entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey().code(), e.getValue()))
                .collect(Collectors.joining(", ")));
        long chargebacks = stats.chargebacksOnFraud() + stats.chargebacksOnLegit();
        if (config.sources().contains(CommerceSource.CHARGEBACKS)) {
            if (chargebacks == 0) {
                out.println("chargebacks: none yet; they arrive " + new TimeSpan(config.chargebackDelayMinMillis()) + " to "
                        + new TimeSpan(config.chargebackDelayMaxMillis()) + " after their payment, so generate a longer span");
            } else {
                out.printf(Locale.ROOT, "chargebacks: %,d, %.0f%% on fraudulent payments%n", chargebacks,
                        100.0 * stats.chargebacksOnFraud() / chargebacks);
            }
        }
        out.flush();
    }
}
