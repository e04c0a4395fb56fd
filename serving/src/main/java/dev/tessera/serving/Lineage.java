package dev.tessera.serving;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where every served value comes from and where it goes, as the console draws it (SPEC §8):
 * {@code topic → source → group → feature → service → model}. Computed from the definitions alone,
 * on the server, so a test can hold it against them and the console only lays it out.
 *
 * <p>Node ids are {@code <type>:<name>}: {@code topic:commerce.payments}, {@code source:payments},
 * {@code group:account_payments}, {@code feature:account_payments.declined_count_1h} (one node per
 * served name, so a service's edge names exactly what it reads), {@code service:account_risk_v1}.
 * A topic read by two sources is one node. Models come with the model registry (SPEC §7); until
 * then there are none and services have no outgoing edges. Nodes and edges keep definition order.
 */
record Lineage(List<Node> nodes, List<Edge> edges) {
    enum Type {
        TOPIC, SOURCE, GROUP, FEATURE, SERVICE, MODEL;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Node(String id, Type type, String label) {}

    record Edge(String from, String to) {}

    Lineage {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    static String id(Type type, String name) {
        return type.label() + ":" + name;
    }

    static Lineage of(Definitions defs) {
        return of(defs, List.of());
    }

    /** With {@code models}: a node per model version ({@code model:<name> v<version>}), fed by its service. */
    static Lineage of(Definitions defs, List<dev.tessera.inference.ModelInfo> models) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        Set<Edge> edges = new LinkedHashSet<>();
        for (Source s : defs.sources().values()) {
            add(nodes, Type.TOPIC, s.topic(), s.topic());
        }
        for (Source s : defs.sources().values()) {
            String source = add(nodes, Type.SOURCE, s.name(), s.name());
            edges.add(new Edge(id(Type.TOPIC, s.topic()), source));
        }
        for (FeatureGroup g : defs.groups().values()) {
            String group = add(nodes, Type.GROUP, g.name(), g.name());
            edges.add(new Edge(id(Type.SOURCE, g.source()), group));
        }
        for (FeatureGroup g : defs.groups().values()) {
            for (String served : g.servedNames()) {
                String feature = add(nodes, Type.FEATURE, new FeatureRef(g.name(), served).qualifiedName(), served);
                edges.add(new Edge(id(Type.GROUP, g.name()), feature));
            }
        }
        for (FeatureService s : defs.services().values()) {
            String service = add(nodes, Type.SERVICE, s.name(), s.name());
            for (FeatureRef f : s.features()) {
                edges.add(new Edge(id(Type.FEATURE, f.qualifiedName()), service));
            }
        }
        for (dev.tessera.inference.ModelInfo m : models) {
            String model = add(nodes, Type.MODEL, m.label(), m.label());
            edges.add(new Edge(id(Type.SERVICE, m.service()), model));
        }
        return new Lineage(new ArrayList<>(nodes.values()), new ArrayList<>(edges));
    }

    private static String add(Map<String, Node> nodes, Type type, String name, String label) {
        String id = id(type, name);
        nodes.putIfAbsent(id, new Node(id, type, label));
        return id;
    }
}
