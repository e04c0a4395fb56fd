package dev.tessera.runtime.decode;

import dev.tessera.core.event.FieldLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout's field names as a tree of JSON keys, so the streaming decoder can decide per key,
 * in one hash lookup, whether to keep a value, descend into an object, or skip it. A node is either
 * a field (a leaf with a slot) or the parent of fields, never both ({@link DottedName#parseAll}).
 * Built once per decoder and never changed afterwards.
 */
final class JsonFieldTree {
    private final String path;
    private int slot = -1;
    private boolean identity;
    private final Map<String, JsonFieldTree> children = new HashMap<>();

    private JsonFieldTree(String path) {
        this.path = path;
    }

    static JsonFieldTree of(FieldLayout layout) {
        JsonFieldTree root = new JsonFieldTree("");
        List<DottedName> names = DottedName.parseAll(layout);
        for (int slot = 0; slot < names.size(); slot++) {
            JsonFieldTree node = root;
            for (String key : names.get(slot).segments()) {
                String childPath = node.path.isEmpty() ? key : node.path + "." + key;
                node = node.children.computeIfAbsent(key, k -> new JsonFieldTree(childPath));
            }
            node.slot = slot;
            node.identity = layout.isIdentity(slot);
        }
        return root;
    }

    /** The node for JSON key {@code key} below this one, or null when the layout needs nothing there. */
    JsonFieldTree child(String key) {
        return children.get(key);
    }

    /** The dotted path from the root ({@code billing.country}). */
    String path() {
        return path;
    }

    /** The layout slot of the field ending here, or -1. */
    int slot() {
        return slot;
    }

    /** Whether the field ending here is an id or a key ({@link FieldLayout#isIdentity}). */
    boolean identity() {
        return identity;
    }

    /** One layout field below this node (which must have children), for messages. */
    String someDescendant() {
        JsonFieldTree node = children.values().iterator().next();
        while (node.slot < 0) {
            node = node.children.values().iterator().next();
        }
        return node.path;
    }
}
