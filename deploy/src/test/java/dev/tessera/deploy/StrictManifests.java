package dev.tessera.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Kubernetes manifests into the fabric8 Kubernetes model's typed objects, as strictly as
 * {@code kubectl apply --validate=strict}: a field the model does not know (a typo such as
 * {@code readinessProbes}) is an error, not a silently dropped line.
 *
 * <p>fabric8's model never fails on unknown fields itself: every class keeps them in an
 * {@code additionalProperties} map. So after reading, this walks the object graph and reports
 * every non-empty one with its path. Wrong value types (a string where an integer belongs) fail
 * in Jackson and are reported with the document they are in.
 *
 * <p>A kind the model does not know reads as a {@link GenericKubernetesResource}; only the kinds
 * in {@code customKinds} may do so (a misspelt {@code kind: Deploymnet} must not pass as a custom
 * resource). Their bodies are checked against their CRD's schema elsewhere
 * ({@link FlinkDeploymentSchema}); their metadata is checked here.
 */
final class StrictManifests {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

    private final Set<String> customKinds;

    StrictManifests(Set<String> customKinds) {
        this.customKinds = customKinds;
    }

    /** Every document of {@code yaml} (from {@code file}), typed; throws listing every problem found. */
    List<Manifest> read(String file, String yaml) {
        List<String> problems = new ArrayList<>();
        List<Manifest> out = new ArrayList<>();
        List<JsonNode> documents;
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            documents = it.readAll();
        } catch (JacksonException e) {
            throw new ManifestException(file + ": not valid YAML: " + e.getOriginalMessage());
        }
        int index = 0;
        for (JsonNode doc : documents) {
            index++;
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            String where = file + " #" + index;
            Object typed;
            try {
                typed = KUBERNETES.unmarshal(YAML.writeValueAsString(doc), KubernetesResource.class);
            } catch (RuntimeException e) {
                problems.add(where + ": does not read as a Kubernetes object: " + rootMessage(e));
                continue;
            }
            if (!(typed instanceof HasMetadata resource)) {
                problems.add(where + ": not a Kubernetes object with metadata (" + typed.getClass().getSimpleName() + ")");
                continue;
            }
            String label = where + " " + resource.getKind() + " " + (resource.getMetadata() == null ? "?" : resource.getMetadata().getName());
            if (resource.getMetadata() == null || resource.getMetadata().getName() == null) {
                problems.add(label + ": metadata.name is missing");
            }
            List<String> unknown = new ArrayList<>();
            if (resource instanceof GenericKubernetesResource generic) {
                if (!customKinds.contains(generic.getKind())) {
                    problems.add(label + ": apiVersion " + generic.getApiVersion() + " kind " + generic.getKind()
                            + " is not a type the Kubernetes model knows (a typo in kind or apiVersion?); custom kinds allowed here: "
                            + customKinds);
                    continue;
                }
                unknownFields(generic.getMetadata(), "metadata", unknown, new IdentityHashMap<>());
            } else {
                unknownFields(resource, "", unknown, new IdentityHashMap<>());
            }
            for (String path : unknown) {
                problems.add(label + ": unknown field " + path);
            }
            out.add(new Manifest(file, index, doc, resource));
        }
        if (!problems.isEmpty()) {
            throw new ManifestException(String.join("\n", problems));
        }
        return out;
    }

    /** Adds the path of every field that landed in an {@code additionalProperties} map below {@code o}. */
    static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        if (o instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue; // derived getters (e.g. a Quantity's numerical amount) are not fields
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra) {
                    for (Object key : extra.keySet()) {
                        out.add(join(path, String.valueOf(key)));
                    }
                }
                continue;
            }
            if (value instanceof Map || value instanceof Collection
                    || (value != null && value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model."))) {
                unknownFields(value, join(path, property(m.getName())), out, seen);
            }
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String property(String getter) {
        String name = getter.substring(3);
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t instanceof JacksonException j ? j.getOriginalMessage() : String.valueOf(t.getMessage());
    }

    /** Manifests that do not read as valid, typed Kubernetes objects; the message lists every problem. */
    static final class ManifestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ManifestException(String message) {
            super(message);
        }
    }
}
