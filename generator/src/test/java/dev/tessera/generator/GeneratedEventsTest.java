package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every well-formed generated event is what the example definitions expect of its source. */
class GeneratedEventsTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static Definitions defs;
    private static Collected out;

    @BeforeAll
    static void generate() {
        defs = DefinitionLoader.load(EXAMPLES);
        GeneratorConfig config = GeneratorConfig.builder().seed(3).accounts(1_000).eventsPerSecond(2).events(40_000)
                .chargebackDelay(java.time.Duration.ofHours(1), java.time.Duration.ofHours(5)).definitions(defs).build();
        out = Collected.run(config);
    }

    @Test
    void everyWellFormedEventHasExactlyTheFieldsOfItsSourceWithTheirTypes() {
        Set<CommerceSource> seen = EnumSet.noneOf(CommerceSource.class);
        for (GeneratedRecord r : out.records) {
            if (r.disorder() != null && r.disorder().malformed()) {
                continue;
            }
            seen.add(r.source());
            ObjectNode o = OutputReader.parse(r.value());
            assertThat(o).as(r.text()).isNotNull();
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            assertThat(names).as(r.text()).containsExactlyElementsOf(r.source().fields().keySet());
            r.source().fields().forEach((name, type) -> {
                JsonNode v = o.get(name);
                switch (type) {
                    case TEXT -> assertThat(v.isTextual() && !v.asText().isEmpty()).as(name + " in " + r.text()).isTrue();
                    case EPOCH_MILLIS -> assertThat(v.isIntegralNumber() && v.canConvertToLong()).as(name).isTrue();
                    case DECIMAL -> {
                        assertThat(v.isNumber()).as(name + " in " + r.text()).isTrue();
                        assertThat(r.text()).as(name + " is written with two decimals")
                                .containsPattern("\"" + name + "\":\\d+\\.\\d\\d[,}]");
                        assertThat(v.decimalValue().signum()).isPositive();
                    }
                    case BOOLEAN -> assertThat(v.isBoolean()).as(name).isTrue();
                }
            });
            assertThat(o.get("event_time").asLong()).isEqualTo(r.eventTime());
            assertThat(o.get("account_id").asText()).isEqualTo(r.key()).startsWith("acct_");
            if (r.source() == CommerceSource.PAYMENTS) {
                assertThat(o.get("status").asText()).isIn("APPROVED", "DECLINED");
                assertThat(o.get("currency").asText()).matches("[A-Z]{3}");
                assertThat(o.get("country").asText()).matches("[A-Z]{2}");
                assertThat(o.get("ip").asText()).matches("\\d{1,3}(\\.\\d{1,3}){3}");
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(CommerceSource.values());
    }

    @Test
    void everyFieldTheExampleFeaturesReadIsPresent() {
        for (CommerceSource s : CommerceSource.values()) {
            Source source = defs.source(s.sourceName()).orElseThrow();
            Set<String> read = new HashSet<>();
            read.add(source.timestamp());
            read.add(source.id());
            for (FeatureGroup g : defs.groupsOf(source)) {
                read.addAll(defs.entityOf(g).keys());
                for (Feature f : g.features()) {
                    if (f.of() != null) {
                        read.add(f.of());
                    }
                    read.addAll(f.whereFields());
                }
            }
            assertThat(s.fields().keySet()).as(s.sourceName()).containsAll(read);
            assertThat(s.idField()).isEqualTo(source.id());
            assertThat(s.defaultTopic()).isEqualTo(source.topic());
            assertThat(s.defaultTiming().latenessMillis()).as("built-in timing matches the example")
                    .isEqualTo(source.lateness().millis());
            assertThat(s.defaultTiming().maxClockSkewMillis()).isEqualTo(source.maxClockSkew().millis());
        }
    }

    @Test
    void theExampleFiltersSeeBothOutcomes() {
        Set<String> statuses = new HashSet<>();
        Set<Boolean> successes = new HashSet<>();
        for (GeneratedRecord r : out.records) {
            ObjectNode o = r.disorder() == null ? OutputReader.parse(r.value()) : null;
            if (o != null && r.source() == CommerceSource.PAYMENTS) {
                statuses.add(o.get("status").asText());
            } else if (o != null && r.source() == CommerceSource.LOGINS) {
                successes.add(o.get("success").asBoolean());
            }
        }
        assertThat(statuses).containsExactlyInAnyOrder("APPROVED", "DECLINED");
        assertThat(successes).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void idsAreUniquePerSource() {
        Set<String> ids = new HashSet<>();
        for (GeneratedRecord r : out.records) {
            if (r.disorder() == null || !r.disorder().malformed() && r.disorder() != Disorder.DUPLICATE) {
                ObjectNode o = OutputReader.parse(r.value());
                assertThat(ids.add(r.source() + "/" + o.get(r.source().idField()).asText())).as(r.text()).isTrue();
            }
        }
    }

    @Test
    void definitionsThatCannotReadGeneratedEventsAreRefusedWithTheFix(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("s.yaml"), """
                kind: Source
                name: payments
                kafka: { topic: p }
                format: json
                timestamp: ts
                id: payment_id
                """);
        Definitions other = DefinitionLoader.load(dir);
        assertThatThrownBy(() -> GeneratorConfig.builder().definitions(other))
                .isInstanceOf(TesseraException.class)
                .hasMessage("source payments reads its time from 'ts', but generated events carry it in 'event_time';"
                        + " set timestamp: event_time");
    }

    @Test
    void timingComesFromTheDefinitions(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("s.yaml"), """
                kind: Source
                name: logins
                kafka: { topic: l }
                format: json
                timestamp: event_time
                id: login_id
                lateness: 30s
                max_clock_skew: 1m
                """);
        GeneratorConfig c = GeneratorConfig.builder().definitions(DefinitionLoader.load(dir)).build();
        assertThat(c.timing().get(CommerceSource.LOGINS)).isEqualTo(new SourceTiming(30_000, 60_000));
        assertThat(c.timing().get(CommerceSource.PAYMENTS)).isEqualTo(CommerceSource.PAYMENTS.defaultTiming());
    }
}
