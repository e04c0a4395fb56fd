package dev.tessera.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping read as a definition or a block of one (a feature, {@code kafka:}): typed field
 * access that reports, rather than throws, every wrong type, unknown field and repeated field, at
 * the node where it is. A getter that reports a problem returns null, so callers read on and
 * collect the next problem too.
 *
 * <p>An explicit YAML null ({@code of:} or {@code of: ~}) counts as absent.
 */
final class YamlMapping {
    /** Definition names: lower snake case, as they appear in served names and URLs. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    /** Event field names: identifiers, with dots for nested fields. */
    static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    /** A duration with its unit spelled out ({@code 10 minutes}), to suggest the right spelling. */
    private static final Pattern SPELLED_OUT = Pattern.compile("(\\d+)\\s*([a-zA-Z]+)");
    private static final List<String[]> UNIT_WORDS = List.of(new String[] {"milli", "ms"}, new String[] {"sec", "s"},
            new String[] {"min", "m"}, new String[] {"hour", "h"}, new String[] {"hr", "h"},
            new String[] {"day", "d"}, new String[] {"week", "w"}, new String[] {"wk", "w"});

    private final String file;
    private final MappingNode node;
    private final Problems problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private String subject;

    /** A text value and where it was written. */
    record Scalar(String value, Location at) {
    }

    private YamlMapping(String file, MappingNode node, String subject, Problems problems) {
        this.file = file;
        this.node = node;
        this.subject = subject;
        this.problems = problems;
        for (NodeTuple entry : node.getValue()) {
            if (entry.getKeyNode() instanceof ScalarNode key && !isNull(key)) {
                entries.putIfAbsent(key.getValue(), entry);
            }
        }
    }

    /**
     * Reads {@code node} as a mapping, or reports that it is not one and returns null.
     *
     * @param expected how to say what was expected, e.g. "feature 2 of group g"
     * @param example  what a right one looks like
     */
    static YamlMapping of(String file, Node node, String expected, String example, Problems problems) {
        if (node instanceof MappingNode mapping) {
            return new YamlMapping(file, mapping, expected, problems);
        }
        problems.add(at(file, node), expected + " must be a mapping of fields, got " + describe(node),
                "write it as " + example);
        return null;
    }

    /** Names what the mapping is in messages, once its name is known ("feature declined_count"). */
    void describeAs(String subject) {
        this.subject = subject;
    }

    String subject() {
        return subject;
    }

    String file() {
        return file;
    }

    Problems problems() {
        return problems;
    }

    /** Where the mapping starts: the location of a definition. */
    Location location() {
        return at(node);
    }

    /** Where {@code key}'s value is, or the mapping's start when the key is absent. */
    Location at(String key) {
        NodeTuple entry = entries.get(key);
        return entry == null ? location() : at(entry.getValueNode());
    }

    Location at(Node n) {
        return at(file, n);
    }

    static Location at(String file, Node n) {
        return new Location(file, n.getStartMark().getLine() + 1, n.getStartMark().getColumn() + 1);
    }

    boolean has(String key) {
        NodeTuple entry = entries.get(key);
        return entry != null && !isNull(entry.getValueNode());
    }

    /**
     * Reports every field not in {@code allowed} (suggesting the closest allowed one), every field
     * given twice, and every key that is not a plain word. Called once the mapping's name is known,
     * so messages say whose field it is.
     */
    void checkFields(List<String> allowed) {
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple entry : node.getValue()) {
            Node key = entry.getKeyNode();
            if (!(key instanceof ScalarNode scalar) || isNull(key)) {
                problems.add(at(key), "a field name must be a plain word, got " + describe(key) + " in " + subject,
                        "write each field as 'name: value'");
                continue;
            }
            String name = scalar.getValue();
            Node first = seen.putIfAbsent(name, key);
            if (first != null) {
                problems.add(at(key), "field '" + name + "' is given twice in " + subject + " (first at line "
                        + at(first).line() + ")", "keep one '" + name + ":' and delete the other");
            } else if (!allowed.contains(name)) {
                problems.add(at(key), "unknown field '" + name + "' in " + subject,
                        ClosestNames.hint(name, allowed, "fields here"));
            }
        }
    }

    /** The value node of {@code key}, or null when absent or YAML null. */
    Node node(String key) {
        return has(key) ? entries.get(key).getValueNode() : null;
    }

    /** A single value (string, number or boolean) as text, or null when absent or not a single value. */
    String text(String key) {
        Scalar s = scalar(key);
        return s == null ? null : s.value();
    }

    Scalar scalar(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s) {
            return new Scalar(s.getValue(), at(n));
        }
        problems.add(at(n), "'" + key + "' of " + subject + " must be a single value, got " + describe(n),
                "write it as " + key + ": <value>");
        return null;
    }

    /** A required single value; reports its absence with {@code hint}. */
    Scalar required(String key, String hint) {
        if (!has(key)) {
            problems.add(location(), subject + " has no " + key, hint);
            return null;
        }
        return scalar(key);
    }

    /** A field name (keys, timestamp, of...), checked for syntax; null if absent or invalid. */
    Scalar fieldName(String key) {
        Scalar s = scalar(key);
        return s == null || !validField(s, key) ? null : s;
    }

    boolean validField(Scalar s, String what) {
        if (FIELD.matcher(s.value()).matches()) {
            return true;
        }
        problems.add(s.at(), "'" + s.value() + "' in " + what + " of " + subject + " is not a valid field name",
                "field names are letters, digits and _, with dots for nested fields (e.g. "
                        + suggestedName(s.value()) + ")");
        return false;
    }

    /**
     * A list of single values. A single value where a list belongs is reported with the fix
     * ({@code keys: [account_id]}); so is a list item that is itself a list or mapping.
     *
     * @return the items, or null when absent or not a list
     */
    List<Scalar> list(String key, String example) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof SequenceNode seq)) {
            problems.add(at(n), "'" + key + "' of " + subject + " must be a list, got " + describe(n),
                    "write it as a list: " + key + ": " + example);
            return null;
        }
        List<Scalar> items = new ArrayList<>();
        for (Node item : seq.getValue()) {
            if (item instanceof ScalarNode s && !isNull(item)) {
                items.add(new Scalar(s.getValue(), at(item)));
            } else {
                problems.add(at(item), "each item of '" + key + "' in " + subject + " must be a single value, got "
                        + describe(item), "write it as " + key + ": " + example);
            }
        }
        return items;
    }

    /** The items of a list of mappings (or anything), as nodes; null when absent or not a list. */
    List<Node> nodes(String key, String example) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof SequenceNode seq) {
            return seq.getValue();
        }
        problems.add(at(n), "'" + key + "' of " + subject + " must be a list, got " + describe(n),
                "write it as a list: " + key + ": " + example);
        return null;
    }

    /**
     * Every entry whose key is a plain word, as (key, value) pairs in file order; an entry whose
     * value is not a single value is reported and left out. Duplicate keys are reported by
     * {@link #checkFields}-like rules: the first one is kept.
     */
    List<Map.Entry<Scalar, Scalar>> scalarEntries(String example) {
        List<Map.Entry<Scalar, Scalar>> out = new ArrayList<>();
        for (Map.Entry<Scalar, Node> e : mappingEntries(example)) {
            Node value = e.getValue();
            if (!(value instanceof ScalarNode v) || isNull(value)) {
                problems.add(at(value), "'" + e.getKey().value() + "' in " + subject + " must be a single value, got "
                        + describe(value), "write it as " + example);
                continue;
            }
            out.add(Map.entry(e.getKey(), new Scalar(v.getValue(), at(value))));
        }
        return out;
    }

    /**
     * Every entry whose key is a plain word, as (key, value node) pairs in file order, for blocks keyed
     * by names the user chooses ({@code expect: {amount: {...}}}). Bad and repeated keys are reported
     * and left out.
     */
    List<Map.Entry<Scalar, Node>> mappingEntries(String example) {
        List<Map.Entry<Scalar, Node>> out = new ArrayList<>();
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple entry : node.getValue()) {
            Node key = entry.getKeyNode();
            if (!(key instanceof ScalarNode k) || isNull(key)) {
                problems.add(at(key), "a field name must be a plain word, got " + describe(key) + " in " + subject,
                        "write each entry as " + example);
                continue;
            }
            Node first = seen.putIfAbsent(k.getValue(), key);
            if (first != null) {
                problems.add(at(key), "'" + k.getValue() + "' is given twice in " + subject + " (first at line "
                        + at(first).line() + ")", "keep one and delete the other");
                continue;
            }
            out.add(Map.entry(new Scalar(k.getValue(), at(key)), entry.getValueNode()));
        }
        return out;
    }

    YamlMapping mapping(String key, String example) {
        Node n = node(key);
        return n == null ? null : of(file, n, "'" + key + "' of " + subject, example, problems);
    }

    /** A duration ({@code 10m}); null when absent or invalid. */
    TimeSpan duration(String key) {
        Scalar s = scalar(key);
        return s == null ? null : duration(s, key);
    }

    TimeSpan duration(Scalar s, String what) {
        try {
            return TimeSpan.parse(s.value());
        } catch (IllegalArgumentException | ArithmeticException e) {
            problems.add(s.at(), what + " of " + subject + ": '" + s.value() + "' is not a valid duration",
                    durationHint(s.value().trim()));
            return null;
        }
    }

    private static String durationHint(String v) {
        if (v.matches("\\d+")) {
            return "add a unit: '" + v + "s' for seconds, '" + v + "m' for minutes, '" + v + "h' for hours";
        }
        var spelled = SPELLED_OUT.matcher(v);
        if (spelled.matches() && !spelled.group(1).matches("0+")) {
            String word = spelled.group(2).toLowerCase(java.util.Locale.ROOT);
            for (String[] unit : UNIT_WORDS) {
                if (word.startsWith(unit[0])) {
                    return "write " + spelled.group(1) + unit[1] + "; units are ms, s, m, h, d and w";
                }
            }
        }
        if (v.matches("0+[a-z]*")) {
            return "durations must be positive";
        }
        return "write a positive whole number and a unit: ms, s, m, h, d or w (e.g. 500ms, 30s, 10m, 1h, 7d)";
    }

    /** Description, owner and tags of a definition, and where it starts. */
    Meta meta() {
        String description = text("description");
        String owner = text("owner");
        List<Scalar> tags = list("tags", "[payments, fraud]");
        return new Meta(description, owner, tags == null ? List.of() : tags.stream().map(Scalar::value).toList(),
                location());
    }

    /** A valid name close to {@code wrong}: lower case, other characters replaced by '_'. */
    static String suggestedName(String wrong) {
        String s = wrong.trim().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9_]+", "_").replaceAll("_+", "_").replaceAll("^_|_$", "");
        if (s.isEmpty()) {
            return "my_name";
        }
        return Character.isLetter(s.charAt(0)) ? s : "n_" + s;
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
        String kind = Tag.INT.equals(n.getTag()) || Tag.FLOAT.equals(n.getTag()) ? "the number "
                : Tag.BOOL.equals(n.getTag()) ? "the boolean " : "the string ";
        return kind + "'" + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'";
    }

}
