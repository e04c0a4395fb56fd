package dev.tessera.deploy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.OpenApi30;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Flink Kubernetes Operator's own schema of a FlinkDeployment: the {@code openAPIV3Schema} of
 * the CRD that ships inside {@code org.apache.flink:flink-kubernetes-operator-api}
 * ({@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml}), read from the test class
 * path, so the check runs offline.
 *
 * <p>Two adjustments, both stated here because they change what "valid" means:
 * <ul>
 *   <li><b>Strict.</b> The API server prunes fields a structural schema does not declare, and
 *       {@code kubectl apply --validate=strict} refuses them; a JSON schema validator would accept
 *       them. So every object schema that lists its properties (and does not preserve unknown
 *       fields) gets {@code additionalProperties: false}: a typo such as {@code upgradeMod} fails.
 *       apiVersion, kind and metadata, which CRD schemas leave to the API server, are declared at
 *       the top.</li>
 *   <li><b>Newer Flink versions.</b> The newest operator API that Maven Central serves here is
 *       {@value #OPERATOR_VERSION}; its {@code flinkVersion} enum ends at {@code v1_20}. Later
 *       operators add {@code v2_0} (1.11), {@code v2_1} (1.13) and {@code v2_2} for the Flink 2.x
 *       releases; those values are added to the enum, and nothing else. The rest of the spec we use
 *       exists unchanged in later operators (the CRD is kept backward compatible since v1beta1).</li>
 * </ul>
 */
final class FlinkDeploymentSchema {
    static final String OPERATOR_VERSION = "1.10.0";
    static final String CRD_RESOURCE = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    static final List<String> FLINK_2_VERSIONS = List.of("v2_0", "v2_1", "v2_2");

    /**
     * Kubernetes' schema extensions, which a JSON schema validator does not know. None adds a check
     * here: an int-or-string field also carries its {@code anyOf}, preserve-unknown-fields is
     * honoured by {@link #strict}, and the CRD has no CEL rules ({@code x-kubernetes-validations}).
     */
    private static final List<String> KUBERNETES_KEYWORDS = List.of("x-kubernetes-int-or-string",
            "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-list-type",
            "x-kubernetes-list-map-keys", "x-kubernetes-map-type");

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final JsonNode crdVersionSchema;
    private final Schema schema;

    private FlinkDeploymentSchema(JsonNode crdVersionSchema) {
        this.crdVersionSchema = crdVersionSchema;
        Dialect.Builder dialect = Dialect.builder(OpenApi30.getInstance());
        KUBERNETES_KEYWORDS.forEach(k -> dialect.keyword(new NonValidationKeyword(k)));
        this.schema = SchemaRegistry.withDefaultDialect(dialect.build()).getSchema(crdVersionSchema);
    }

    /** The schema of {@code apiVersion} (e.g. {@code flink.apache.org/v1beta1}) from the operator's CRD. */
    static FlinkDeploymentSchema forApiVersion(String apiVersion) {
        JsonNode crd = readCrd();
        String group = crd.at("/spec/group").asString();
        if (!apiVersion.startsWith(group + "/")) {
            throw new IllegalArgumentException("apiVersion " + apiVersion + " is not in the CRD's group " + group);
        }
        String version = apiVersion.substring(group.length() + 1);
        for (JsonNode v : crd.at("/spec/versions")) {
            if (v.path("name").asString().equals(version)) {
                if (!v.path("served").asBoolean(true)) {
                    throw new IllegalArgumentException("the operator's CRD no longer serves " + apiVersion);
                }
                ObjectNode schema = (ObjectNode) v.at("/schema/openAPIV3Schema").deepCopy();
                if (schema.toString().contains("x-kubernetes-validations")) {
                    throw new IllegalStateException("the operator's CRD now has CEL rules (x-kubernetes-validations), which a JSON"
                            + " schema validator does not evaluate: check them another way before trusting this schema");
                }
                addFlink2Versions(schema);
                addObjectFields(schema);
                strict(schema);
                return new FlinkDeploymentSchema(schema);
            }
        }
        throw new IllegalArgumentException("the operator's CRD has no version " + version);
    }

    static JsonNode readCrd() {
        try (InputStream in = FlinkDeploymentSchema.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CRD_RESOURCE + " is not on the test class path: the deploy module depends on "
                        + "org.apache.flink:flink-kubernetes-operator-api for it");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code flinkVersion} values the adjusted schema accepts. */
    Set<String> flinkVersions() {
        Set<String> out = new TreeSet<>();
        crdVersionSchema.at("/properties/spec/properties/flinkVersion/enum").forEach(n -> out.add(n.asString()));
        return out;
    }

    /** Every violation, as "path: message"; empty when the resource is valid. */
    List<String> validate(JsonNode resource) {
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(resource)) {
            out.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    private static void addFlink2Versions(ObjectNode schema) {
        JsonNode node = schema.at("/properties/spec/properties/flinkVersion/enum");
        if (!(node instanceof ArrayNode values)) {
            throw new IllegalStateException("the CRD has no spec.flinkVersion enum any more: revisit FlinkDeploymentSchema");
        }
        Set<String> present = new TreeSet<>();
        values.forEach(v -> present.add(v.asString()));
        for (String v : FLINK_2_VERSIONS) {
            if (!present.contains(v)) {
                values.add(v);
            }
        }
    }

    /**
     * apiVersion, kind and metadata: every object has them, and the API server checks them itself,
     * so CRD schemas leave them out (metadata's fields are checked by {@link StrictManifests}).
     */
    private static void addObjectFields(ObjectNode schema) {
        ObjectNode properties = (ObjectNode) schema.get("properties");
        properties.putObject("apiVersion").put("type", "string");
        properties.putObject("kind").put("type", "string");
        properties.putObject("metadata").put("type", "object");
    }

    /** additionalProperties: false on every object schema that lists its properties, recursively. */
    private static void strict(JsonNode node) {
        if (node instanceof ArrayNode array) {
            array.forEach(FlinkDeploymentSchema::strict);
            return;
        }
        if (!(node instanceof ObjectNode schema)) {
            return;
        }
        if (schema.has("properties") && !schema.has("additionalProperties")
                && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            schema.put("additionalProperties", false);
        }
        JsonNode properties = schema.get("properties");
        if (properties != null) {
            properties.forEach(FlinkDeploymentSchema::strict);
        }
        for (String key : List.of("items", "additionalProperties", "anyOf", "allOf", "oneOf", "not")) {
            JsonNode child = schema.get(key);
            if (child != null) {
                strict(child);
            }
        }
    }
}
