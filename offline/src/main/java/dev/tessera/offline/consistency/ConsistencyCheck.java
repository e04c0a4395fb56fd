package dev.tessera.offline.consistency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.io.Folders;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.offline.spill.WorkFolders;
import dev.tessera.offline.training.TrainingSetBuilder;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * {@code tessera consistency}: recomputes logged online responses offline and reports the mismatch
 * rate per feature, with examples (SPEC §5).
 *
 * <p>Each logged line (serving's response log: {@code ts} = the read time the values are exact for,
 * the group, the entity, the served values) becomes a spine row at {@code ts}; the training-set
 * builder computes the service's features there from the archive — the same core, the same
 * decoder — and each logged value is compared with the recomputed one (numbers within 1e-9
 * relative, everything else exactly). The log and the builder's output are read side by side in
 * order, so memory does not grow with the log. A mismatch means the online value at {@code ts} was
 * not the value "had every event before ts arrived": an event that arrived after the read (late,
 * or a slow producer), one that had reached the broker but not yet the online store (in flight),
 * an archive that misses events, or a bug. The first two are told apart from the others by
 * recomputing each row again with only what had arrived by {@code ts}, and by {@code ts} minus the
 * in-flight time ({@link #withInFlight}).
 */
public final class ConsistencyCheck {
    /**
     * One feature's tally.
     *
     * @param mismatches   logged values that differ from the point-in-time value (SPEC §3)
     * @param lateArrivals of those, the ones equal to what had arrived by the read (an event with an
     *                     earlier event time arrived after it), or by the in-flight time before it (an
     *                     event on its way to the online store at the read): expected, not an error
     * @param examples     unexplained mismatches first, then late arrivals
     */
    public record FeatureStats(String feature, long compared, long mismatches, long lateArrivals, List<String> examples) {
        public double mismatchRate() {
            return compared == 0 ? 0 : (double) mismatches / compared;
        }

        /** Mismatches that events arriving after the read do not explain: archive gaps or bugs. */
        public long unexplained() {
            return mismatches - lateArrivals;
        }
    }

    /**
     * @param lines   logged lines read
     * @param checked lines with at least one feature of the service
     */
    public record Report(long lines, long checked, long unreadable, List<FeatureStats> features, List<String> problems) {
        public long mismatches() {
            return features.stream().mapToLong(FeatureStats::mismatches).sum();
        }

        public long unexplained() {
            return features.stream().mapToLong(FeatureStats::unexplained).sum();
        }

        public long compared() {
            return features.stream().mapToLong(FeatureStats::compared).sum();
        }
    }

    private static final int EXAMPLES = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long an event may take from the broker to the online store by default: the freshness goal (SPEC: fresh within a second). */
    public static final java.time.Duration DEFAULT_IN_FLIGHT = java.time.Duration.ofSeconds(1);

    private final Definitions defs;
    private final Path definitionsDir;
    private final Function<Source, EventScan> events;
    private final SchemaRegistry registry;
    private final long inFlightMillis;

    public ConsistencyCheck(Definitions defs, Path definitionsDir, Function<Source, EventScan> events) {
        this(defs, definitionsDir, events, null);
    }

    /** @param registry where avro-confluent sources' writer schemas are found; null when none is needed */
    public ConsistencyCheck(Definitions defs, Path definitionsDir, Function<Source, EventScan> events,
            SchemaRegistry registry) {
        this(defs, definitionsDir, events, registry, DEFAULT_IN_FLIGHT.toMillis());
    }

    private ConsistencyCheck(Definitions defs, Path definitionsDir, Function<Source, EventScan> events, SchemaRegistry registry,
            long inFlightMillis) {
        this.registry = registry;
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.events = events;
        this.inFlightMillis = inFlightMillis;
    }

    /**
     * How long before a read the values are recomputed to find events that were on their way: the
     * in-flight time and a tenth and a hundredth of it (whole milliseconds), since the online store may
     * have applied some of the events that reached the broker within it and not others.
     */
    static List<Long> inFlightLags(long inFlightMillis) {
        List<Long> lags = new ArrayList<>();
        for (long lag = inFlightMillis; lag >= 1 && lags.size() < 3; lag /= 10) {
            lags.add(lag);
        }
        return lags;
    }

    /**
     * The same check, where a mismatch is also explained when the online value is what had arrived
     * {@code inFlight} (or a tenth, or a hundredth of it) before the read: events that had reached the
     * broker but were still on their way to the online store (default {@link #DEFAULT_IN_FLIGHT}; zero:
     * only late arrivals explain).
     */
    public ConsistencyCheck withInFlight(java.time.Duration inFlight) {
        if (inFlight.isNegative()) {
            throw new IllegalArgumentException("in-flight time must not be negative: " + inFlight);
        }
        return new ConsistencyCheck(defs, definitionsDir, events, registry, inFlight.toMillis());
    }

    /** Checks the lines of {@code logs} (JSON-lines files, or folders of {@code *.jsonl}) against service {@code serviceName}. */
    public Report run(String serviceName, List<Path> logs, Path workDir) throws IOException {
        FeatureService service = defs.service(serviceName).orElseThrow(() -> new TesseraException("unknown feature service '"
                + serviceName + "'; " + ClosestNames.hint(serviceName, defs.services().keySet(), "services")));
        List<Path> files = files(logs);
        List<FeatureRef> refs = service.features();
        Set<String> wanted = new LinkedHashSet<>();
        refs.forEach(r -> wanted.add(r.qualifiedName()));
        List<String> keyColumns = new ArrayList<>();
        for (FeatureRef r : refs) {
            for (String k : defs.entityOf(defs.group(r.group()).orElseThrow()).keys()) {
                if (!keyColumns.contains(k)) {
                    keyColumns.add(k);
                }
            }
        }
        Path work = WorkFolders.create(workDir, "consistency-"); // and deletes those of killed checks
        try {
            // 1. the log as a spine: key columns, ts, and the line's number
            Path spine = work.resolve("spine.csv");
            long[] counts = new long[3]; // lines, checked, unreadable
            List<String> problems = new ArrayList<>();
            try (BufferedWriter w = Files.newBufferedWriter(spine, StandardCharsets.UTF_8)) {
                w.write(String.join(",", keyColumns) + ",ts,_line\n");
                forEachLine(files, wanted, counts, problems, (line, node) -> {
                    JsonNode entity = node.get("entity");
                    StringBuilder sb = new StringBuilder();
                    for (String k : keyColumns) {
                        JsonNode v = entity.get(k);
                        sb.append(v == null || v.isNull() ? "" : csv(v.asText())).append(',');
                    }
                    sb.append(node.get("ts").asLong()).append(',').append(line).append('\n');
                    w.write(sb.toString());
                });
            }
            List<FeatureStats> stats = new ArrayList<>();
            if (counts[1] == 0) {
                for (FeatureRef r : refs) {
                    stats.add(new FeatureStats(r.qualifiedName(), 0, 0, 0, List.of()));
                }
                return new Report(counts[0], 0, counts[2], stats, problems);
            }
            // 2. the same rows offline: the point-in-time value, and what had arrived by each read
            Path out = work.resolve("offline.parquet");
            Path arrived = work.resolve("arrived.parquet");
            Bounds bounds = Bounds.of(defs, service);
            TrainingSetBuilder builder = new TrainingSetBuilder(bounds.defs(), definitionsDir, events, registry);
            builder.build(TrainingSetBuilder.Options.of(spine, serviceName, out, work), TrainingSetBuilder.Progress.NONE);
            builder.build(TrainingSetBuilder.Options.of(spine, serviceName, arrived, work).whatHadArrived(), TrainingSetBuilder.Progress.NONE);
            List<Path> arriving = new ArrayList<>();
            for (long lag : inFlightLags(inFlightMillis)) {
                Path p = work.resolve("arrived-" + lag + "ms-before.parquet");
                builder.build(TrainingSetBuilder.Options.of(spine, serviceName, p, work).whatHadArrived(lag), TrainingSetBuilder.Progress.NONE);
                arriving.add(p);
            }
            // 3. side by side
            Map<String, long[]> tally = new LinkedHashMap<>();
            Map<String, List<String>> examples = new LinkedHashMap<>();
            Map<String, List<String>> lateExamples = new LinkedHashMap<>();
            for (FeatureRef r : refs) {
                tally.put(r.qualifiedName(), new long[3]);
                examples.put(r.qualifiedName(), new ArrayList<>());
                lateExamples.put(r.qualifiedName(), new ArrayList<>());
            }
            List<ParquetReader<GenericRecord>> asArriving = new ArrayList<>();
            try (ParquetReader<GenericRecord> offline = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(out)).build();
                 ParquetReader<GenericRecord> asArrived = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(arrived)).build()) {
                for (Path p : arriving) {
                    asArriving.add(AvroParquetReader.<GenericRecord>builder(new LocalInputFile(p)).build());
                }
                GenericRecord[] onItsWay = new GenericRecord[asArriving.size()];
                forEachLine(files, wanted, new long[3], new ArrayList<>(), (line, node) -> {
                    GenericRecord row = offline.read();
                    GenericRecord known = asArrived.read();
                    boolean inStep = row != null && known != null;
                    for (int i = 0; i < onItsWay.length; i++) {
                        onItsWay[i] = asArriving.get(i).read();
                        inStep &= onItsWay[i] != null;
                    }
                    if (!inStep || !String.valueOf(row.get("_line")).equals(Long.toString(line))) {
                        throw new IllegalStateException("offline rows out of step with the log at line " + line);
                    }
                    String group = node.get("group").asText();
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.get("features").fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> f = it.next();
                        String q = group + "." + f.getKey();
                        long[] t = tally.get(q);
                        if (t == null) {
                            continue;
                        }
                        String column = new FeatureRef(group, f.getKey()).columnName();
                        Object offlineValue = row.get(column);
                        t[0]++;
                        if (!same(f.getValue(), offlineValue)) {
                            t[1]++;
                            boolean late = same(f.getValue(), known.get(column));
                            boolean inFlight = false;
                            for (int i = 0; i < onItsWay.length && !late && !inFlight; i++) {
                                inFlight = same(f.getValue(), onItsWay[i].get(column));
                            }
                            String[] range = bounds.columns().get(q);
                            boolean approximate = !late && !inFlight && range != null && f.getValue().isNumber()
                                    && within(f.getValue().asDouble(), known.get(range[0]), known.get(range[1]));
                            if (late || inFlight || approximate) {
                                t[2]++;
                            }
                            List<String> ex = (late || inFlight || approximate ? lateExamples : examples).get(q);
                            if (ex.size() < EXAMPLES) {
                                ex.add(node.get("entity") + " at " + Instant.ofEpochMilli(node.get("ts").asLong()) + ": online "
                                        + f.getValue() + ", offline " + text(offlineValue)
                                        + (late ? " (explained: an event from before the read reached the broker after it, or too late to count)"
                                        : inFlight ? " (explained: an event was on its way to the online store: it reached the broker"
                                                + " less than " + inFlightMillis + " ms before the read)"
                                        : approximate ? " (explained: a sketch fed in another order; the online value is within the"
                                                + " percentile's rank error of what had arrived)" : ""));
                            }
                        }
                    }
                });
            } finally {
                for (ParquetReader<GenericRecord> r : asArriving) {
                    r.close();
                }
            }
            for (var e : tally.entrySet()) {
                List<String> ex = new ArrayList<>(examples.get(e.getKey()));
                for (String l : lateExamples.get(e.getKey())) {
                    if (ex.size() < EXAMPLES) {
                        ex.add(l);
                    }
                }
                stats.add(new FeatureStats(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2], ex));
            }
            return new Report(counts[0], counts[1], counts[2], stats, problems);
        } finally {
            Folders.deleteTree(work);
        }
    }

    /**
     * Checks the features models were scored with: every prediction record in {@code predictions} (what
     * {@code POST /v1/score} logs, archived as a source; see serving's {@code PredictionLog}) that holds
     * features of {@code serviceName} is recomputed offline at its {@code as_of} (per group where the
     * record has {@code as_of_groups}; at its scoring {@code time} when it was logged before records
     * had {@code as_of}, which the report's problems then say) and compared as {@link #run} compares a
     * response log. The report counts predictions: {@code lines} read, {@code checked} with features of
     * the service, {@code unreadable} not prediction records.
     */
    public Report runOnPredictions(String serviceName, EventScan predictions, Path workDir) throws IOException {
        FeatureService service = defs.service(serviceName).orElseThrow(() -> new TesseraException("unknown feature service '"
                + serviceName + "'; " + ClosestNames.hint(serviceName, defs.services().keySet(), "services")));
        Set<String> wanted = new LinkedHashSet<>();
        service.features().forEach(r -> wanted.add(r.qualifiedName()));
        Path work = WorkFolders.create(workDir, "consistency-predictions-");
        try {
            Path reads = work.resolve("reads.jsonl");
            long[] n = new long[4]; // predictions, with features of the service, unreadable, without as_of
            List<String> problems = new ArrayList<>();
            try (BufferedWriter w = Files.newBufferedWriter(reads, StandardCharsets.UTF_8)) {
                IOException[] failed = new IOException[1];
                predictions.forEach(Long.MIN_VALUE, Long.MAX_VALUE, e -> {
                    if (failed[0] != null) {
                        return;
                    }
                    n[0]++;
                    try {
                        for (String line : readsOf(e, wanted, n, problems)) {
                            w.write(line);
                            w.write('\n');
                        }
                    } catch (IOException ex) {
                        failed[0] = ex;
                    }
                });
                if (failed[0] != null) {
                    throw failed[0];
                }
            }
            Report r = run(serviceName, List.of(reads), workDir);
            problems.addAll(r.problems());
            if (n[3] > 0) {
                problems.add(String.format(java.util.Locale.ROOT, "%,d predictions were logged without as_of (by an older version):"
                        + " compared at their scoring time instead, so an event applied between the read and the log shows as a"
                        + " mismatch", n[3]));
            }
            return new Report(n[0], n[1], n[2], r.features(), problems);
        } finally {
            Folders.deleteTree(work);
        }
    }

    /**
     * A prediction record as response-log lines, one per group with features in {@code wanted}
     * ({@code ts}, {@code group}, {@code entity}, {@code features} by served name); none when it has
     * none of them. Counts it in {@code n} (see {@link #runOnPredictions}).
     */
    private static List<String> readsOf(dev.tessera.offline.archive.ArchivedEvent e, Set<String> wanted, long[] n, List<String> problems)
            throws IOException {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(e.raw());
        } catch (IOException ex) {
            parsed = null;
        }
        JsonNode p = parsed;
        JsonNode time = p == null ? null : p.has("as_of") ? p.get("as_of") : p.get("time");
        if (p == null || !(p.get("entity") instanceof com.fasterxml.jackson.databind.node.ObjectNode)
                || !(p.get("features") instanceof com.fasterxml.jackson.databind.node.ObjectNode) || time == null || !time.canConvertToLong()) {
            if (n[2]++ < EXAMPLES) {
                problems.add("archived prediction at partition " + e.partition() + " offset " + e.offset()
                        + ": not a prediction record (time or as_of, entity, features); skipped");
            }
            return List.of();
        }
        Map<String, com.fasterxml.jackson.databind.node.ObjectNode> byGroup = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.get("features").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            int dot = f.getKey().indexOf('.');
            if (dot <= 0 || !wanted.contains(f.getKey())) {
                continue;
            }
            String group = f.getKey().substring(0, dot);
            com.fasterxml.jackson.databind.node.ObjectNode read = byGroup.computeIfAbsent(group, g -> {
                JsonNode t = p.path("as_of_groups").get(g);
                com.fasterxml.jackson.databind.node.ObjectNode line = JSON.createObjectNode();
                line.put("ts", t != null && t.canConvertToLong() ? t.asLong() : time.asLong());
                line.put("group", g);
                line.set("entity", p.get("entity"));
                line.putObject("features");
                return line;
            });
            ((com.fasterxml.jackson.databind.node.ObjectNode) read.get("features")).set(f.getKey().substring(dot + 1), f.getValue());
        }
        if (byGroup.isEmpty()) {
            return List.of();
        }
        n[1]++;
        if (!p.has("as_of")) {
            n[3]++;
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode line : byGroup.values()) {
            lines.add(JSON.writeValueAsString(line));
        }
        return lines;
    }

    /**
     * The definitions the offline passes compute, with two hidden features per approx_percentile feature
     * of the service: the same sketch read at p − 2ε and p + 2ε (ε: the rank error,
     * {@link Aggregators#percentileRankError()}). Once a tile holds more than 300 values its sketch
     * depends on the order events were added, and the online store added them as they arrived (from
     * several partitions, interleaved as they were polled), so the two sketches may answer differently
     * and both be right: the online answer's rank is within ε of p, and the offline sketch's answers at
     * p ∓ 2ε have ranks at most p − ε and at least p + ε (each with the sketch's 99% confidence), so a
     * correct online answer lies between them.
     *
     * @param columns per qualified feature name, the lower and upper bound's column
     */
    record Bounds(Definitions defs, Map<String, String[]> columns) {
        static Bounds of(Definitions defs, FeatureService service) {
            double margin = 2 * dev.tessera.core.agg.Aggregators.percentileRankError();
            Map<String, dev.tessera.api.FeatureGroup> groups = new LinkedHashMap<>(defs.groups());
            List<FeatureRef> refs = new ArrayList<>(service.features());
            Map<String, String[]> columns = new LinkedHashMap<>();
            for (FeatureRef r : service.features()) {
                dev.tessera.api.FeatureGroup g = groups.get(r.group());
                for (dev.tessera.api.Feature f : g.features()) {
                    if (f.agg() != dev.tessera.api.Aggregation.APPROX_PERCENTILE) {
                        continue;
                    }
                    for (dev.tessera.api.TimeSpan w : f.windows().isEmpty() ? java.util.Collections.<dev.tessera.api.TimeSpan>singletonList(null)
                            : f.windows()) {
                        String served = w == null ? f.name() : f.servedName(w);
                        if (!served.equals(r.servedName())) {
                            continue;
                        }
                        List<dev.tessera.api.Feature> fs = new ArrayList<>(g.features());
                        String[] cols = new String[2];
                        for (int side = 0; side < 2; side++) {
                            double p = side == 0 ? Math.max(f.p() - margin, 1e-9) : Math.min(f.p() + margin, 1 - 1e-9);
                            String name = f.name() + (side == 0 ? "__lower" : "__upper");
                            dev.tessera.api.Feature b = new dev.tessera.api.Feature(name, f.agg(), f.of(), f.where(),
                                    w == null ? List.of() : List.of(w), f.hop(), f.k(), p, f.meta());
                            fs.add(b);
                            FeatureRef br = new FeatureRef(g.name(), w == null ? name : b.servedName(w));
                            refs.add(br);
                            cols[side] = br.columnName();
                        }
                        g = new dev.tessera.api.FeatureGroup(g.name(), g.source(), g.entity(), fs, g.meta());
                        groups.put(g.name(), g);
                        columns.put(r.qualifiedName(), cols);
                    }
                }
            }
            if (columns.isEmpty()) {
                return new Bounds(defs, Map.of());
            }
            Map<String, FeatureService> services = new LinkedHashMap<>(defs.services());
            services.put(service.name(), new FeatureService(service.name(), service.selectors(), refs, service.meta()));
            return new Bounds(new Definitions(defs.entities(), defs.sources(), groups, services, defs.version()), columns);
        }
    }

    /** Whether {@code v} lies between two offline values (either may be null: no value, no bound). */
    private static boolean within(double v, Object lower, Object upper) {
        return lower instanceof Number lo && upper instanceof Number hi && lo.doubleValue() <= v && v <= hi.doubleValue();
    }

    @FunctionalInterface
    private interface LineVisitor {
        void visit(long line, JsonNode node) throws IOException;
    }

    /** Visits, in order, every readable logged line with at least one wanted feature; counts lines, checked, unreadable. */
    private static void forEachLine(List<Path> files, Set<String> wanted, long[] counts, List<String> problems, LineVisitor v)
            throws IOException {
        long n = 0;
        for (Path f : files) {
            try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                long lineInFile = 0;
                for (String s; (s = r.readLine()) != null; ) {
                    lineInFile++;
                    if (s.isBlank()) {
                        continue;
                    }
                    long line = n++;
                    counts[0]++;
                    JsonNode node;
                    try {
                        node = JSON.readTree(s);
                    } catch (IOException e) {
                        node = null;
                    }
                    if (node == null || !node.has("ts") || !node.get("ts").canConvertToLong() || !node.has("group")
                            || !(node.get("entity") instanceof com.fasterxml.jackson.databind.node.ObjectNode)
                            || !(node.get("features") instanceof com.fasterxml.jackson.databind.node.ObjectNode)) {
                        if (counts[2]++ < EXAMPLES) {
                            problems.add(f + " line " + lineInFile + ": not a response-log line (ts, group, entity, features); skipped");
                        }
                        continue;
                    }
                    String group = node.get("group").asText();
                    boolean any = false;
                    for (Iterator<String> it = node.get("features").fieldNames(); it.hasNext() && !any; ) {
                        any = wanted.contains(group + "." + it.next());
                    }
                    if (any) {
                        counts[1]++;
                        v.visit(line, node);
                    }
                }
            }
        }
    }

    private static List<Path> files(List<Path> logs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : logs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new TesseraException("response log " + p + " does not exist; serving writes it under <data>/responses when"
                        + " started with --log-responses");
            }
        }
        return out;
    }

    /** Whether a logged JSON value and an offline value are the same feature value. */
    static boolean same(JsonNode online, Object offline) {
        if (online == null || online.isNull()) {
            return offline == null;
        }
        if (offline == null) {
            return false;
        }
        if (online.isNumber()) {
            if (!(offline instanceof Number n)) {
                return false;
            }
            if (online.isIntegralNumber() && (offline instanceof Long || offline instanceof Integer)) {
                return online.asLong() == n.longValue();
            }
            double a = online.asDouble();
            double b = n.doubleValue();
            return Math.abs(a - b) <= 1e-9 * Math.max(1.0, Math.abs(b));
        }
        if (online.isBoolean()) {
            return offline instanceof Boolean b && b == online.asBoolean();
        }
        if (online.isTextual()) {
            return offline instanceof CharSequence cs && cs.toString().equals(online.asText());
        }
        if (online.isArray()) {
            if (!(offline instanceof List<?> list) || list.size() != online.size()) {
                return false;
            }
            for (int i = 0; i < list.size(); i++) {
                if (!same(online.get(i), list.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (online.isObject() && offline instanceof GenericRecord rec) {
            return same(online.get("value"), rec.get("value")) && same(online.get("count"), rec.get("count"));
        }
        return false;
    }

    /** An offline value written as the online one is logged (JSON), so the two read alike in an example. */
    static String text(Object v) {
        try {
            return JSON.writeValueAsString(jsonOf(v));
        } catch (IOException e) {
            return String.valueOf(v);
        }
    }

    private static JsonNode jsonOf(Object v) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof CharSequence cs) {
            return f.textNode(cs.toString());
        }
        if (v instanceof List<?> list) {
            com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
            list.forEach(x -> a.add(jsonOf(x)));
            return a;
        }
        if (v instanceof GenericRecord rec) {
            com.fasterxml.jackson.databind.node.ObjectNode o = f.objectNode();
            rec.getSchema().getFields().forEach(field -> o.set(field.name(), jsonOf(rec.get(field.name()))));
            return o;
        }
        return JSON.valueToTree(v);
    }

    private static String csv(String s) {
        return s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
