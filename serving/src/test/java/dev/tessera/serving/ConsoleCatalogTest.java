package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Entity;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/catalog} without HTTP: the lineage it computes, held against the definitions of
 * {@code examples/commerce} (every topic, source, group, served feature and service a node, the
 * edges exactly those the definitions imply), and the catalog's JSON against the same definitions.
 */
class ConsoleCatalogTest {
    static final Definitions DEFS = DefinitionLoader.load(ServingStack.FEATURES);

    @Test
    void theLineageHasANodeForEveryTopicSourceGroupServedFeatureAndService() {
        Lineage lineage = Lineage.of(DEFS);
        Map<String, String> expected = new LinkedHashMap<>();
        DEFS.sources().values().forEach(s -> expected.put("topic:" + s.topic(), "topic"));
        DEFS.sources().values().forEach(s -> expected.put("source:" + s.name(), "source"));
        DEFS.groups().values().forEach(g -> expected.put("group:" + g.name(), "group"));
        for (FeatureGroup g : DEFS.groups().values()) {
            g.servedNames().forEach(n -> expected.put("feature:" + g.name() + "." + n, "feature"));
        }
        DEFS.services().values().forEach(s -> expected.put("service:" + s.name(), "service"));

        Map<String, String> actual = new LinkedHashMap<>();
        lineage.nodes().forEach(n -> actual.put(n.id(), n.type().label()));
        assertThat(actual).containsExactlyEntriesOf(expected);
        assertThat(lineage.nodes()).extracting(Lineage.Node::id).doesNotHaveDuplicates();
        assertThat(actual.values()).filteredOn("feature"::equals).hasSize(50); // the served features of the example
        assertThat(actual).doesNotContainValue("model");
        Lineage.Node feature = lineage.nodes().stream().filter(n -> n.id().equals("feature:account_payments.declined_count_1h"))
                .findFirst().orElseThrow();
        assertThat(feature.label()).as("a feature is labelled by its served name").isEqualTo("declined_count_1h");
    }

    @Test
    void theLineageHasExactlyTheEdgesTheDefinitionsImply() {
        Set<List<String>> expected = new LinkedHashSet<>();
        for (Source s : DEFS.sources().values()) {
            expected.add(List.of("topic:" + s.topic(), "source:" + s.name()));
        }
        for (FeatureGroup g : DEFS.groups().values()) {
            expected.add(List.of("source:" + g.source(), "group:" + g.name()));
            for (Feature f : g.features()) {
                for (String served : f.servedNames()) {
                    expected.add(List.of("group:" + g.name(), "feature:" + g.name() + "." + served));
                }
            }
        }
        for (FeatureService s : DEFS.services().values()) {
            for (FeatureRef f : s.features()) {
                expected.add(List.of("feature:" + f.qualifiedName(), "service:" + s.name()));
            }
        }
        Lineage lineage = Lineage.of(DEFS);
        List<List<String>> actual = lineage.edges().stream().map(e -> List.of(e.from(), e.to())).toList();
        assertThat(actual).doesNotHaveDuplicates();
        assertThat(new LinkedHashSet<>(actual)).isEqualTo(expected);

        Set<String> ids = new HashSet<>();
        lineage.nodes().forEach(n -> ids.add(n.id()));
        for (List<String> e : actual) {
            assertThat(ids).as("both ends of %s are nodes", e).contains(e.get(0), e.get(1));
        }
        for (FeatureGroup g : DEFS.groups().values()) { // each group is read from exactly its source
            assertThat(actual).filteredOn(e -> e.get(1).equals("group:" + g.name())).containsExactly(List.of("source:" + g.source(),
                    "group:" + g.name()));
        }
        // account_risk_v1 names every served login feature of the account, and two payment ones
        assertThat(actual).filteredOn(e -> e.get(1).equals("service:account_risk_v1")).hasSize(2 + 10);
        assertThat(actual).filteredOn(e -> e.get(0).equals("source:chargebacks")).as("a source no group reads").isEmpty();
    }

    @Test
    void sourcesSharingATopicShareItsNode(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Source
                name: payments_v1
                kafka: { topic: shared.payments }
                format: json
                timestamp: event_time
                ---
                kind: Source
                name: payments_v2
                kafka: { topic: shared.payments }
                format: json
                timestamp: event_time
                ---
                kind: FeatureGroup
                name: old_payments
                source: payments_v1
                entity: account
                features:
                  - { name: n, agg: count, windows: [1h] }
                ---
                kind: FeatureGroup
                name: new_payments
                source: payments_v2
                entity: account
                features:
                  - { name: n, agg: count, windows: [1h] }
                """);
        Lineage lineage = Lineage.of(DefinitionLoader.load(dir));
        assertThat(lineage.nodes()).filteredOn(n -> n.type() == Lineage.Type.TOPIC).extracting(Lineage.Node::id)
                .containsExactly("topic:shared.payments");
        assertThat(lineage.edges()).filteredOn(e -> e.from().equals("topic:shared.payments")).extracting(Lineage.Edge::to)
                .containsExactly("source:payments_v1", "source:payments_v2");
    }

    /** Each registered model version is in the catalog and is a lineage node fed by its service. */
    @Test
    void registeredModelsAreCatalogedAndFedByTheirService() throws IOException {
        dev.tessera.inference.ModelRegistry registry = dev.tessera.inference.ModelRegistry.loadIfPresent(
                dev.tessera.inference.ModelRegistry.defaultFolder(ServingStack.FEATURES), DEFS);
        List<dev.tessera.inference.ModelInfo> infos = registry.models().stream().map(dev.tessera.inference.RegisteredModel::info).toList();
        assertThat(infos).hasSizeGreaterThanOrEqualTo(2);
        ConsoleCatalog catalog = new ConsoleCatalog(DEFS, infos);
        StringWriter text = new StringWriter();
        try (JsonGenerator out = new ObjectMapper().getFactory().createGenerator(text)) {
            catalog.write(out);
        }
        JsonNode models = new ObjectMapper().readTree(text.toString()).get("models");
        assertThat(models).hasSize(infos.size());
        for (int i = 0; i < infos.size(); i++) {
            dev.tessera.inference.ModelInfo m = infos.get(i);
            JsonNode j = models.get(i);
            assertThat(j.get("name").textValue()).isEqualTo(m.name());
            assertThat(j.get("version").intValue()).isEqualTo(m.version());
            assertThat(j.get("service").textValue()).isEqualTo(m.service());
            assertThat(j.get("format").textValue()).isEqualTo(m.format().yamlName());
            assertThat(j.get("meta").get("owner").textValue()).isEqualTo(m.owner());
            String node = "model:" + m.label();
            assertThat(catalog.lineage().nodes()).extracting(Lineage.Node::id).contains(node);
            assertThat(catalog.lineage().edges()).filteredOn(e -> e.to().equals(node)).extracting(Lineage.Edge::from)
                    .containsExactly("service:" + m.service());
        }
    }

    @Test
    void theCatalogJsonCarriesEveryDefinitionWithItsMetaAndTheLineage() throws IOException {
        ConsoleCatalog catalog = new ConsoleCatalog(DEFS);
        StringWriter text = new StringWriter();
        try (JsonGenerator out = new ObjectMapper().getFactory().createGenerator(text)) {
            catalog.write(out);
        }
        JsonNode json = new ObjectMapper().readTree(text.toString());
        assertThat(Reply.fieldNames(json)).containsExactly("version", "entities", "sources", "groups", "services", "models", "lineage");
        assertThat(json.get("version").textValue()).isEqualTo(DEFS.version());
        assertThat(json.get("models")).isEmpty();

        assertThat(names(json.get("entities"))).containsExactlyElementsOf(DEFS.entities().keySet());
        for (JsonNode e : json.get("entities")) {
            Entity def = DEFS.entity(e.get("name").textValue()).orElseThrow();
            assertThat(Reply.toJava(e.get("keys"))).isEqualTo(def.keys());
            assertMeta(e.get("meta"), def.meta());
        }

        assertThat(names(json.get("sources"))).containsExactlyElementsOf(DEFS.sources().keySet());
        JsonNode payments = json.get("sources").get(0);
        assertThat(payments.get("topic").textValue()).isEqualTo("commerce.payments");
        assertThat(payments.get("format").textValue()).isEqualTo("json");
        assertThat(payments.get("timestamp").textValue()).isEqualTo("event_time");
        assertThat(payments.get("id").textValue()).isEqualTo("payment_id");
        assertThat(payments.get("lateness").textValue()).isEqualTo("10m");
        assertThat(payments.get("schema").isNull()).isTrue();
        assertThat(Reply.toJava(payments.get("groups"))).isEqualTo(List.of("account_payments", "card_payments"));
        assertMeta(payments.get("meta"), DEFS.source("payments").orElseThrow().meta());

        assertThat(names(json.get("groups"))).containsExactlyElementsOf(DEFS.groups().keySet());
        for (JsonNode g : json.get("groups")) {
            FeatureGroup def = DEFS.group(g.get("name").textValue()).orElseThrow();
            assertThat(g.get("source").textValue()).isEqualTo(def.source());
            assertThat(g.get("entity").textValue()).isEqualTo(def.entity());
            assertThat(Reply.toJava(g.get("keys"))).isEqualTo(DEFS.entityOf(def).keys());
            assertMeta(g.get("meta"), def.meta());
            List<String> served = new ArrayList<>();
            for (int i = 0; i < def.features().size(); i++) {
                Feature f = def.features().get(i);
                JsonNode jf = g.get("features").get(i);
                assertThat(jf.get("name").textValue()).isEqualTo(f.name());
                assertThat(jf.get("agg").textValue()).isEqualTo(f.agg().yamlName());
                assertThat(jf.get("where").textValue()).isEqualTo(f.where());
                assertThat(Reply.toJava(jf.get("served"))).isEqualTo(f.servedNames());
                assertMeta(jf.get("meta"), f.meta());
                jf.get("served").forEach(n -> served.add(n.textValue()));
            }
            assertThat(served).containsExactlyElementsOf(def.servedNames());
        }
        JsonNode paymentCount = json.get("groups").get(1).get("features").get(0);
        assertThat(paymentCount.get("name").textValue()).isEqualTo("payment_count");
        assertThat(Reply.toJava(paymentCount.get("windows"))).isEqualTo(List.of("10m", "1h", "1d", "7d"));
        assertThat(paymentCount.get("hop").isNull()).as("no explicit hop").isTrue();
        assertThat(Reply.toJava(paymentCount.get("hops"))).as("SPEC §3's default hops").isEqualTo(List.of("10s", "5m", "1h", "1h"));
        assertThat(paymentCount.has("k")).isFalse();
        JsonNode p95 = json.get("groups").get(1).get("features").get(3);
        assertThat(p95.get("p").doubleValue()).isEqualTo(0.95);
        assertThat(p95.get("of").textValue()).isEqualTo("amount");

        assertThat(names(json.get("services"))).containsExactlyElementsOf(DEFS.services().keySet());
        for (JsonNode s : json.get("services")) {
            FeatureService def = DEFS.service(s.get("name").textValue()).orElseThrow();
            assertThat(Reply.toJava(s.get("selectors"))).isEqualTo(def.selectors());
            assertThat(Reply.toJava(s.get("features"))).isEqualTo(def.features().stream().map(FeatureRef::qualifiedName).toList());
            assertThat(Reply.toJava(s.get("keys"))).isEqualTo(List.of("account_id"));
            assertMeta(s.get("meta"), def.meta());
        }

        Lineage lineage = catalog.lineage();
        assertThat(json.get("lineage").get("nodes")).hasSize(lineage.nodes().size());
        for (int i = 0; i < lineage.nodes().size(); i++) {
            JsonNode n = json.get("lineage").get("nodes").get(i);
            Lineage.Node expected = lineage.nodes().get(i);
            assertThat(List.of(n.get("id").textValue(), n.get("type").textValue(), n.get("label").textValue()))
                    .containsExactly(expected.id(), expected.type().label(), expected.label());
        }
        List<Lineage.Edge> edges = new ArrayList<>();
        json.get("lineage").get("edges").forEach(e -> edges.add(new Lineage.Edge(e.get("from").textValue(), e.get("to").textValue())));
        assertThat(edges).isEqualTo(lineage.edges());
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.get("name").textValue()));
        return names;
    }

    private static void assertMeta(JsonNode json, dev.tessera.api.Meta meta) {
        assertThat(Reply.fieldNames(json)).containsExactly("description", "owner", "tags", "location");
        assertThat(json.get("description").textValue()).isEqualTo(meta.description() == null ? null : meta.description().strip());
        assertThat(json.get("owner").textValue()).isEqualTo(meta.owner());
        assertThat(Reply.toJava(json.get("tags"))).isEqualTo(meta.tags());
        assertThat(json.get("location").textValue()).isEqualTo(meta.location().file() + ":" + meta.location().line())
                .matches("[a-z_/]+\\.yaml:\\d+");
    }
}
