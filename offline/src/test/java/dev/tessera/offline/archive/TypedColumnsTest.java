package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.event.SourceFields;
import dev.tessera.offline.imports.Importer;
import dev.tessera.offline.training.TrainingSetBuilder;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive's typed columns (format 2, ADR 008 addendum) against the oracle they replace: decoding
 * {@code _raw} with the source's decoder. The events ({@code format-v1/events.jsonl}) put every kind
 * of value in every field: longs (the extremes too), doubles ({@code -0.0}, {@code 1e300}, NaN,
 * ±Infinity, an integer beyond the long range), strings (empty, non-ASCII), booleans, JSON null,
 * absent fields, a nested field, and one field that changes type from event to event. The archive in
 * {@code format-v1/archive} was written by the format 1 code (before this change, by
 * {@code tessera import} of the same file) and is kept as it was, so old archives stay readable.
 */
class TypedColumnsTest {
    @TempDir
    Path dir;

    Path v1;
    Path defsDir;
    Definitions defs;
    Source source;
    TypedColumns typed;
    EventDecoder decoder;

    @BeforeEach
    void setUp() throws URISyntaxException, IOException {
        v1 = Path.of(getClass().getResource("format-v1").toURI());
        defsDir = Files.createDirectories(dir.resolve("features"));
        Files.copy(v1.resolve("features/defs.yaml"), defsDir.resolve("defs.yaml"));
        Files.writeString(defsDir.resolve("service.yaml"), """
                kind: FeatureService
                name: values
                features: [account_values.*]
                """);
        defs = DefinitionLoader.load(defsDir);
        source = defs.source("payments").orElseThrow();
        typed = TypedColumns.of(defs, defsDir, source, EventDecoders.DEFAULT_MAX_RECORD_BYTES);
        decoder = EventDecoders.forSource(source, defsDir, SourceFields.layout(defs, source));
    }

    private Path importV2() throws IOException {
        Path root = dir.resolve("archive-v2");
        Importer.Report r = new Importer(defs, defsDir, root).run(Importer.Options.of("payments", List.of(v1.resolve("events.jsonl")),
                dir.resolve("tmp")).withClock(() -> 1764115200000L + 400L * 86_400_000L), Importer.Progress.NONE);
        assertThat(r.archived()).isEqualTo(242);
        return root;
    }

    /** Per event id: the values, the keys and whether raw bytes came (typed values or not). */
    private record Seen(Object[] values, String[] keys, byte[] raw) {}

    private Map<String, Seen> scan(EventScan scan, String fingerprint) throws IOException {
        Map<String, Seen> out = new HashMap<>();
        scan.forEachWithValues(Long.MIN_VALUE, Long.MAX_VALUE, List.of("account_id"), typed.fields(), fingerprint,
                (e, keys, values) -> assertThat(out.put(e.id(), new Seen(values, keys, e.raw()))).as("each event once").isNull());
        return out;
    }

    private Object[] decoded(byte[] raw) {
        Decoded d = decoder.decode(raw);
        assertThat(d.isAccepted()).as(d.toString()).isTrue();
        return typed.values(d.event());
    }

    @Test
    void typedValuesEqualDecodingRawForEveryFieldAndType() throws IOException {
        assertThat(typed.fields()).containsExactly("amount", "qty", "status", "flag", "billing.city", "mixed", "vip");
        ArchiveReader archive = ArchiveReader.open(importV2(), "payments");
        Map<String, Seen> viaColumns = scan(archive, typed.decoder());
        Map<String, byte[]> raws = new HashMap<>();
        archive.forEach(e -> raws.put(e.id(), e.raw()));
        assertThat(viaColumns).hasSize(242);
        Map<Class<?>, Integer> kinds = new HashMap<>();
        int nulls = 0;
        for (Map.Entry<String, Seen> e : viaColumns.entrySet()) {
            Seen s = e.getValue();
            assertThat(s.values).as("typed values of %s", e.getKey()).isNotNull();
            assertThat(s.raw).as("_raw is not read").isNull();
            Object[] expected = decoded(raws.get(e.getKey()));
            for (int i = 0; i < expected.length; i++) {
                String at = e.getKey() + " " + typed.fields().get(i);
                // equals on Long/Double/String/Boolean: same type and value; doubles by bits (-0.0 is not 0.0, NaN is NaN)
                assertThat(s.values[i]).as(at).isEqualTo(expected[i]);
                if (expected[i] == null) {
                    nulls++;
                } else {
                    assertThat(s.values[i].getClass()).as(at).isEqualTo(expected[i].getClass());
                    kinds.merge(expected[i].getClass(), 1, Integer::sum);
                }
            }
        }
        assertThat(kinds).as("every canonical type occurs").containsOnlyKeys(Long.class, Double.class, String.class, Boolean.class);
        assertThat(nulls).isPositive();
        List<Object> specials = new ArrayList<>();
        for (Seen s : viaColumns.values()) {
            for (Object v : s.values) {
                if (v instanceof Double d && (d.isNaN() || d.isInfinite() || Double.doubleToRawLongBits(d) == Double.doubleToRawLongBits(-0.0))) {
                    specials.add(v);
                }
            }
        }
        assertThat(specials).contains(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0);
    }

    @Test
    void formatOneFilesAreReadAndDecodedAsBefore() throws IOException {
        ArchiveReader old = ArchiveReader.open(v1.resolve("archive"), "payments");
        Map<String, Seen> fromV1 = scan(old, typed.decoder());
        Map<String, Seen> fromV2 = scan(ArchiveReader.open(importV2(), "payments"), typed.decoder());
        assertThat(fromV1).hasSize(242).containsOnlyKeys(fromV2.keySet());
        for (Map.Entry<String, Seen> e : fromV1.entrySet()) {
            Seen s = e.getValue();
            assertThat(s.values).as("a format 1 file has no typed columns").isNull();
            assertThat(s.keys).containsExactly(fromV2.get(e.getKey()).keys);
            assertThat(decoded(s.raw)).as(e.getKey()).containsExactly(fromV2.get(e.getKey()).values);
        }
    }

    @Test
    void anotherDecoderOrAnUntypedRowMeansDecodingRaw() throws IOException {
        Path root = importV2();
        Map<String, Seen> other = scan(ArchiveReader.open(root, "payments"), "a-different-decoder");
        assertThat(other).hasSize(242).allSatisfy((id, s) -> {
            assertThat(s.values).isNull();
            assertThat(s.raw).isNotNull();
        });

        // a value of no canonical type marks its row; the whole file is then read raw
        Path sourceDir = dir.resolve("archive-untyped").resolve("payments");
        Durable.createDirectories(sourceDir);
        ArchiveWriter writer = new ArchiveWriter(sourceDir, "payments", ArchiveSchema.of("payments", List.of("account_id"), typed), 1 << 20);
        long t = 1764115200000L;
        List<byte[]> raws = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] raw = ("{\"payment_id\":\"u" + i + "\",\"account_id\":\"a1\",\"event_time\":" + (t + i) + ",\"amount\":" + i + "}").getBytes();
            raws.add(raw);
            Object[] values = decoded(raw);
            if (i == 3) {
                values[0] = 3; // an Integer: not canonical
            }
            writer.append(0, i, t, t + i, "u" + i, new String[] {"a1"}, values, raw);
        }
        writer.commit(Map.of(0, new long[] {0, 4}), Map.of(0, t + 4), t);
        Map<String, Seen> untyped = scan(ArchiveReader.open(sourceDir.getParent(), "payments"), typed.decoder());
        assertThat(untyped).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Seen s = untyped.get("u" + i);
            assertThat(s.values).isNull();
            assertThat(s.raw).isEqualTo(raws.get(i));
        }
    }

    @Test
    void fingerprintFollowsFormatSchemaLayoutAndLimit() throws IOException {
        assertThat(TypedColumns.of(defs, defsDir, source, EventDecoders.DEFAULT_MAX_RECORD_BYTES).decoder()).isEqualTo(typed.decoder());
        assertThat(TypedColumns.of(defs, defsDir, source, 4096).decoder()).isNotEqualTo(typed.decoder());
        Path more = Files.createDirectories(dir.resolve("more"));
        Files.copy(defsDir.resolve("defs.yaml"), more.resolve("defs.yaml"));
        Files.writeString(more.resolve("extra.yaml"), """
                kind: FeatureGroup
                name: account_more
                source: payments
                entity: account
                features:
                  - { name: m, agg: sum, of: merchant_amount, windows: [1d] }
                """);
        Definitions moreDefs = DefinitionLoader.load(more);
        assertThat(TypedColumns.of(moreDefs, more, moreDefs.source("payments").orElseThrow(), EventDecoders.DEFAULT_MAX_RECORD_BYTES).decoder())
                .as("a field added to the layout").isNotEqualTo(typed.decoder());
    }

    @Test
    void trainingSetsFromFormatOneAndFormatTwoArchivesAreIdentical() throws IOException {
        Path spine = dir.resolve("spine.csv");
        StringBuilder sb = new StringBuilder("account_id,ts\n");
        for (int i = 0; i < 60; i++) {
            sb.append("a").append(i % 8).append(',').append(1764115200000L + i * 2_400_000L + (i % 3) - 1).append('\n');
        }
        Files.writeString(spine, sb.toString());
        Path v2 = importV2();
        List<String> outputs = new ArrayList<>();
        for (Path root : List.of(v1.resolve("archive"), v2)) {
            Path out = dir.resolve("out-" + outputs.size() + ".csv");
            TrainingSetBuilder.Report r = new TrainingSetBuilder(defs, defsDir, src -> ArchiveReader.open(root, src.name()))
                    .build(TrainingSetBuilder.Options.of(spine, "values", out, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
            assertThat(r.undecodableEvents()).isZero();
            assertThat(r.eventsJoined()).isPositive();
            outputs.add(Files.readString(out));
        }
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        try (Stream<String> lines = outputs.get(0).lines()) {
            assertThat(lines.count()).isEqualTo(61);
        }
    }
}
