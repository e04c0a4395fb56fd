package dev.tessera.inference;

import dev.tessera.api.Problems;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Location;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping of a registry file, read field by field from SnakeYAML's node tree so every
 * problem has its line and column (the definitions loader's way, api's {@code YamlMapping}). A getter
 * that reports a problem returns null, so the caller reads on and collects the next one.
 */
final class YamlFields {
    private final String file;
    private final MappingNode node;
    private final String subject;
    private final Problems problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    /** A single value and where it was written. */
    record Scalar(String value, Location at) {
    }

    private YamlFields(String file, MappingNode node, String subject, Problems problems) {
        this.file = file;
        this.node = node;
        this.subject = subject;
        this.problems = problems;
        for (NodeTuple e : node.getValue()) {
            if (e.getKeyNode() instanceof ScalarNode k && !isNull(k)) {
                entries.putIfAbsent(k.getValue(), e);
            }
        }
    }

    /** {@code node} as a mapping, or null after reporting that it is not one. */
    static YamlFields of(String file, Node node, String subject, String example, Problems problems) {
        if (node instanceof MappingNode m) {
            return new YamlFields(file, m, subject, problems);
        }
        problems.add(at(file, node), subject + " must be a mapping of fields, got " + describe(node), "write it as " + example);
        return null;
    }

    Location location() {
        return at(file, node);
    }

    /** Where {@code key}'s value is, or the mapping's start when it is absent. */
    Location at(String key) {
        NodeTuple e = entries.get(key);
        return e == null ? location() : at(file, e.getValueNode());
    }

    boolean has(String key) {
        NodeTuple e = entries.get(key);
        return e != null && !isNull(e.getValueNode());
    }

    /** Reports fields not in {@code allowed} (with the closest allowed), fields given twice, and keys that are not words. */
    void checkFields(List<String> allowed) {
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple e : node.getValue()) {
            Node key = e.getKeyNode();
            if (!(key instanceof ScalarNode k) || isNull(key)) {
                problems.add(at(file, key), "a field name must be a plain word, got " + describe(key) + " in " + subject,
                        "write each field as 'name: value'");
                continue;
            }
            Node first = seen.putIfAbsent(k.getValue(), key);
            if (first != null) {
                problems.add(at(file, key), "field '" + k.getValue() + "' is given twice in " + subject + " (first at line "
                        + at(file, first).line() + ")", "keep one '" + k.getValue() + ":' and delete the other");
            } else if (!allowed.contains(k.getValue())) {
                problems.add(at(file, key), "unknown field '" + k.getValue() + "' in " + subject,
                        ClosestNames.hint(k.getValue(), allowed, "fields here"));
            }
        }
    }

    /** The value node of {@code key}; call only when {@link #has} it. */
    Node valueNode(String key) {
        return entries.get(key).getValueNode();
    }

    Scalar scalar(String key) {
        if (!has(key)) {
            return null;
        }
        Node n = entries.get(key).getValueNode();
        if (n instanceof ScalarNode s) {
            return new Scalar(s.getValue(), at(file, n));
        }
        problems.add(at(file, n), "'" + key + "' of " + subject + " must be a single value, got " + describe(n),
                "write it as " + key + ": <value>");
        return null;
    }

    Scalar required(String key, String hint) {
        if (!has(key)) {
            problems.add(location(), subject + " has no " + key, hint);
            return null;
        }
        return scalar(key);
    }

    /** The mapping under {@code key}; null when absent, or after reporting that it is not a mapping. */
    YamlFields mapping(String key, String subjectOfIt, String example) {
        if (!has(key)) {
            return null;
        }
        return of(file, entries.get(key).getValueNode(), subjectOfIt, example, problems);
    }

    /** Every (key, value node) in file order; keys that are not words, or repeated, are reported and left out. */
    List<Map.Entry<Scalar, Node>> entries(String example) {
        List<Map.Entry<Scalar, Node>> out = new ArrayList<>();
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple e : node.getValue()) {
            Node key = e.getKeyNode();
            if (!(key instanceof ScalarNode k) || isNull(key)) {
                problems.add(at(file, key), "a key must be a single value, got " + describe(key) + " in " + subject,
                        "write each entry as " + example);
                continue;
            }
            Node first = seen.putIfAbsent(k.getValue(), key);
            if (first != null) {
                problems.add(at(file, key), "'" + k.getValue() + "' is given twice in " + subject + " (first at line "
                        + at(file, first).line() + ")", "keep one and delete the other");
                continue;
            }
            out.add(Map.entry(new Scalar(k.getValue(), at(file, key)), e.getValueNode()));
        }
        return out;
    }

    /** The finite number {@code s} holds, or null after reporting {@code message} with {@code hint}; null for null. */
    static Double finiteNumber(Scalar s, Problems problems, String message, String hint) {
        if (s == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(s.value().strip());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(s.at(), message, hint);
        return null;
    }

    static Location at(String file, Node n) {
        return new Location(file, n.getStartMark().getLine() + 1, n.getStartMark().getColumn() + 1);
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode && Tag.NULL.equals(n.getTag());
    }

    static String describe(Node n) {
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (isNull(n)) {
            return "nothing";
        }
        String v = ((ScalarNode) n).getValue();
        return "'" + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'";
    }
}
