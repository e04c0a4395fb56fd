package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The feature-read API of SPEC §4 without HTTP: resolves names, validates keys, reads through the
 * {@link FeatureReader} and writes the JSON answer. Everything a request can get wrong is found
 * before the first byte is written and thrown as an {@link ApiException}.
 *
 * <p>Thread-safe: holds only immutable definitions and the (thread-safe) reader.
 */
public final class FeatureQueries {
    /** Default cap on entities in one batch request. */
    public static final int DEFAULT_MAX_ENTITIES = 1_000;

    private static final java.util.regex.Pattern FIELD_NAME = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Definitions defs;
    private final FeatureReader reader;
    private final LongSupplier clock;
    private final int maxEntities;
    private final List<String> groupNames;
    /** Field names as Jackson writes them (quoted, escaped, UTF-8 once): served names per group, qualified names. */
    private final Map<String, SerializedString[]> servedJson = new java.util.HashMap<>();
    private final Map<String, SerializedString> qualifiedJson = new java.util.concurrent.ConcurrentHashMap<>();

    private final ResponseLog responseLog;

    public FeatureQueries(Definitions defs, FeatureReader reader, LongSupplier clock, int maxEntities) {
        this(defs, reader, clock, maxEntities, ResponseLog.NONE);
    }

    public FeatureQueries(Definitions defs, FeatureReader reader, LongSupplier clock, int maxEntities, ResponseLog responseLog) {
        this.responseLog = responseLog;
        this.defs = defs;
        this.reader = reader;
        this.clock = clock;
        this.maxEntities = maxEntities;
        this.groupNames = reader.groups();
        for (String g : groupNames) {
            List<String> served = reader.servedNames(g);
            SerializedString[] json = new SerializedString[served.size()];
            for (int i = 0; i < json.length; i++) {
                json[i] = new SerializedString(served.get(i));
                qualifiedJson.put(g + "." + served.get(i), new SerializedString(g + "." + served.get(i)));
            }
            servedJson.put(g, json);
        }
    }

    // ---------------------------------------------------------------- GET one entity

    /**
     * {@code GET /v1/features/{group}/{entityKey}}: {@code segment} is the decoded key segment
     * (a value, or {@code k1=v1,k2=v2}), or null when the key comes as query parameters.
     */
    public void readOne(String group, String segment, Map<String, List<String>> query, JsonGenerator out) throws IOException {
        requireGroup(group);
        List<String> keyFields = reader.entityKeyFields(group);
        Map<String, String> key = segment == null ? keyFromQuery(group, keyFields, query) : keyFromSegment(group, keyFields, segment);
        if (segment != null && !query.isEmpty()) {
            String unexpected = query.keySet().iterator().next();
            throw ApiException.badRequest("unknown_parameter", "unknown query parameter '" + unexpected + "'",
                    "give the key either in the path or as query parameters (" + String.join(", ", keyFields) + "), not both");
        }
        List<String> values = new ArrayList<>(key.values());
        long now = clock.getAsLong();
        FeatureValues fv = reader.read(group, values, now);
        out.writeStartObject();
        out.writeObjectFieldStart("entity");
        for (Map.Entry<String, String> e : key.entrySet()) {
            out.writeStringField(e.getKey(), e.getValue());
        }
        out.writeEndObject();
        out.writeObjectFieldStart("features");
        SerializedString[] names = servedJson.get(group);
        List<Object> vals = fv.values();
        for (int i = 0; i < names.length; i++) {
            out.writeFieldName(names[i]);
            JsonValues.write(out, vals.get(i));
        }
        out.writeEndObject();
        out.writeBooleanField("found", fv.found());
        writeMetadata(out, fv.asOf(), now, List.of(group));
        out.writeEndObject();
        if (responseLog.sample()) {
            responseLog.log(fv.asOf(), group, keyFields, values, reader.servedNames(group), vals);
        }
    }

    private Map<String, String> keyFromSegment(String group, List<String> keyFields, String segment) {
        Map<String, String> key = new LinkedHashMap<>();
        if (keyFields.size() == 1) {
            String field = keyFields.get(0);
            String value = segment.startsWith(field + "=") ? segment.substring(field.length() + 1) : segment;
            int eq = segment.indexOf('=');
            if (value == segment && eq > 0 && FIELD_NAME.matcher(segment.substring(0, eq)).matches()
                    && !ClosestNames.to(segment.substring(0, eq), keyFields).isEmpty()) {
                // "acount_id=a1": a misspelt field name, not an entity whose key starts with it
                throw unknownKeyField(group, segment.substring(0, eq), keyFields);
            }
            key.put(field, requireValue(group, field, value));
            return key;
        }
        for (String part : segment.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw ApiException.badRequest("bad_key", "the key '" + segment + "' of group " + group + " is not k1=v1,k2=v2",
                        "group " + group + " is keyed by " + String.join(", ", keyFields) + ": use "
                                + example(keyFields) + " or query parameters");
            }
            String name = part.substring(0, eq);
            if (!keyFields.contains(name)) {
                throw unknownKeyField(group, name, keyFields);
            }
            key.put(name, part.substring(eq + 1));
        }
        return ordered(group, keyFields, key);
    }

    private Map<String, String> keyFromQuery(String group, List<String> keyFields, Map<String, List<String>> query) {
        Map<String, String> key = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (!keyFields.contains(e.getKey())) {
                throw unknownKeyField(group, e.getKey(), keyFields);
            }
            if (e.getValue().size() != 1) {
                throw ApiException.badRequest("bad_key", "key field '" + e.getKey() + "' is given " + e.getValue().size() + " times",
                        "give each key field once");
            }
            key.put(e.getKey(), e.getValue().get(0));
        }
        return ordered(group, keyFields, key);
    }

    private Map<String, String> ordered(String group, List<String> keyFields, Map<String, String> given) {
        Map<String, String> key = new LinkedHashMap<>();
        for (String field : keyFields) {
            if (!given.containsKey(field)) {
                throw ApiException.badRequest("missing_key", "no value for key field '" + field + "' of group " + group,
                        "group " + group + " is keyed by " + String.join(", ", keyFields) + ": GET /v1/features/" + group + "/"
                                + example(keyFields) + " or /v1/features/" + group + "?" + example(keyFields).replace(',', '&'));
            }
            key.put(field, requireValue(group, field, given.get(field)));
        }
        return key;
    }

    private static String requireValue(String group, String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ApiException.badRequest("missing_key", "the value of key field '" + field + "' of group " + group + " is empty",
                    "give a non-empty value");
        }
        return value;
    }

    private static String example(List<String> keyFields) {
        StringBuilder sb = new StringBuilder();
        for (String f : keyFields) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(f).append("=...");
        }
        return sb.toString();
    }

    private static ApiException unknownKeyField(String group, String name, List<String> keyFields) {
        return ApiException.badRequest("bad_key", "'" + name + "' is not a key field of group " + group,
                ClosestNames.hint(name, keyFields, "key fields of " + group));
    }

    // ---------------------------------------------------------------- one entity of a service (scoring)

    /**
     * One entity's values of a service's features, in the service's order, as served.
     *
     * @param found      whether any of the service's groups has state for the entity
     * @param asOf       the read time the values are exact for: the latest of {@code groupAsOf}
     * @param entity     the key fields as given (validated)
     * @param groupAsOf  per group of the service, in its order, the read time that group's values are
     *                   exact for (the same for every group unless an entity has events at or after now)
     */
    public record ServiceRead(List<Object> values, boolean found, long asOf, Map<String, String> entity, Map<String, Long> groupAsOf) {}

    /**
     * Reads {@code service} for the entity in {@code entity} (a JSON object of key fields, validated as
     * {@code POST /v1/features} validates each of its entities), at the clock's now.
     */
    public ServiceRead readService(FeatureService service, JsonNode entity) {
        List<String> groups = new ArrayList<>();
        List<int[]> at = new ArrayList<>(); // per feature: group index, index in that group's values
        for (FeatureRef r : service.features()) {
            int g = groups.indexOf(r.group());
            if (g < 0) {
                g = groups.size();
                groups.add(r.group());
            }
            at.add(new int[] {g, reader.servedNames(r.group()).indexOf(r.servedName())});
        }
        com.fasterxml.jackson.databind.node.ArrayNode one = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        one.add(entity);
        Map<String, String> key = entities(one, groups).get(0);
        long now = clock.getAsLong();
        long asOf = now;
        boolean found = false;
        FeatureValues[] read = new FeatureValues[groups.size()];
        Map<String, Long> groupAsOf = new java.util.LinkedHashMap<>();
        for (int g = 0; g < read.length; g++) {
            List<String> fields = reader.entityKeyFields(groups.get(g));
            List<String> values = new ArrayList<>(fields.size());
            for (String f : fields) {
                values.add(key.get(f));
            }
            read[g] = reader.read(groups.get(g), values, now);
            found |= read[g].found();
            asOf = Math.max(asOf, read[g].asOf());
            groupAsOf.put(groups.get(g), read[g].asOf());
        }
        List<Object> out = new ArrayList<>(at.size());
        for (int[] a : at) {
            out.add(read[a[0]].values().get(a[1]));
        }
        return new ServiceRead(out, found, asOf, key, java.util.Collections.unmodifiableMap(groupAsOf));
    }

    // ---------------------------------------------------------------- POST batch

    /** One requested feature: which group read it comes from and where in that group's values. */
    private record Column(int group, int index, SerializedString qualifiedName) {}

    /** {@code POST /v1/features}: by service or by feature list, for up to {@code maxEntities} entities. */
    public void readBatch(JsonNode body, JsonGenerator out) throws IOException {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("bad_request", "the body must be a JSON object",
                    "send {\"service\": \"<name>\", \"entities\": [{...}]} or {\"features\": [\"group.feature\"], \"entities\": [...]}");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("service") && !f.equals("features") && !f.equals("entities")) {
                throw ApiException.badRequest("bad_request", "unknown field '" + f + "' in the body",
                        ClosestNames.hint(f, List.of("service", "features", "entities"), "fields"));
            }
        }
        JsonNode service = body.get("service");
        JsonNode features = body.get("features");
        if ((service == null) == (features == null)) {
            throw ApiException.badRequest("bad_request", service == null ? "the body names neither a service nor features"
                            : "the body names both a service and features",
                    "give exactly one of \"service\": \"<name>\" or \"features\": [\"group.feature\", ...]");
        }
        List<FeatureRef> refs = service != null ? serviceRefs(service) : featureRefs(features);
        List<String> groups = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (FeatureRef ref : refs) {
            if (!seen.add(ref.qualifiedName())) {
                continue;
            }
            int g = groups.indexOf(ref.group());
            if (g < 0) {
                g = groups.size();
                groups.add(ref.group());
            }
            columns.add(new Column(g, reader.servedNames(ref.group()).indexOf(ref.servedName()),
                    qualifiedJson.computeIfAbsent(ref.qualifiedName(), SerializedString::new)));
        }
        List<Map<String, String>> entities = entities(body.get("entities"), groups);

        long now = clock.getAsLong();
        long asOf = now;
        FeatureValues[] read = new FeatureValues[groups.size()];
        boolean sampled = responseLog.sample();
        out.writeStartObject();
        out.writeArrayFieldStart("results");
        for (Map<String, String> entity : entities) {
            boolean found = false;
            for (int g = 0; g < read.length; g++) {
                List<String> fields = reader.entityKeyFields(groups.get(g));
                List<String> key = new ArrayList<>(fields.size());
                for (String f : fields) {
                    key.add(entity.get(f));
                }
                read[g] = reader.read(groups.get(g), key, now);
                found |= read[g].found();
                asOf = Math.max(asOf, read[g].asOf());
            }
            out.writeStartObject();
            out.writeObjectFieldStart("entity");
            for (Map.Entry<String, String> e : entity.entrySet()) {
                out.writeStringField(e.getKey(), e.getValue());
            }
            out.writeEndObject();
            out.writeObjectFieldStart("features");
            for (Column c : columns) {
                out.writeFieldName(c.qualifiedName);
                JsonValues.write(out, read[c.group].values().get(c.index));
            }
            out.writeEndObject();
            out.writeBooleanField("found", found);
            out.writeEndObject();
            if (sampled) {
                logBatchEntity(groups, columns, entity, read);
            }
        }
        out.writeEndArray();
        writeMetadata(out, asOf, now, groups);
        out.writeEndObject();
    }

    private void logBatchEntity(List<String> groups, List<Column> columns, Map<String, String> entity, FeatureValues[] read) {
        for (int g = 0; g < groups.size(); g++) {
            List<String> fields = reader.entityKeyFields(groups.get(g));
            List<String> key = new ArrayList<>(fields.size());
            for (String f : fields) {
                key.add(entity.get(f));
            }
            List<String> served = reader.servedNames(groups.get(g));
            List<String> names = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            for (Column c : columns) {
                if (c.group == g) {
                    names.add(served.get(c.index));
                    values.add(read[g].values().get(c.index));
                }
            }
            responseLog.log(read[g].asOf(), groups.get(g), fields, key, names, values);
        }
    }

    private List<FeatureRef> serviceRefs(JsonNode service) {
        if (!service.isTextual()) {
            throw ApiException.badRequest("bad_request", "\"service\" must be a string", "e.g. \"service\": \"account_risk_v1\"");
        }
        String name = service.asText();
        FeatureService fs = defs.service(name).orElseThrow(() -> ApiException.notFound("unknown_service",
                "no feature service named '" + name + "'", ClosestNames.hint(name, defs.services().keySet(), "services")));
        return fs.features();
    }

    private List<FeatureRef> featureRefs(JsonNode features) {
        if (!features.isArray() || features.isEmpty()) {
            throw ApiException.badRequest("bad_request", "\"features\" must be a non-empty array of names",
                    "e.g. \"features\": [\"account_payments.declined_count_1h\"]");
        }
        List<FeatureRef> refs = new ArrayList<>();
        for (JsonNode f : features) {
            if (!f.isTextual()) {
                throw ApiException.badRequest("bad_request", "feature names must be strings, got " + f.getNodeType().name().toLowerCase(),
                        "e.g. \"account_payments.declined_count_1h\"");
            }
            refs.addAll(resolve(f.asText()));
        }
        return refs;
    }

    /** {@code group.served_name} or {@code group.*}. */
    private List<FeatureRef> resolve(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot <= 0) {
            List<String> matches = new ArrayList<>();
            for (String g : groupNames) {
                if (reader.servedNames(g).contains(qualified)) {
                    matches.add(g + "." + qualified);
                }
            }
            throw ApiException.badRequest("unqualified_feature", "feature '" + qualified + "' does not name its group",
                    matches.isEmpty() ? "write group.feature, e.g. " + example()
                            : "write it as " + String.join(" or ", matches));
        }
        String group = qualified.substring(0, dot);
        String served = qualified.substring(dot + 1);
        requireGroup(group);
        List<String> names = reader.servedNames(group);
        if (served.equals("*")) {
            return names.stream().map(n -> new FeatureRef(group, n)).toList();
        }
        if (!names.contains(served)) {
            throw ApiException.notFound("unknown_feature", "group " + group + " has no feature '" + served + "'",
                    ClosestNames.hint(served, names, "features of " + group));
        }
        return List.of(new FeatureRef(group, served));
    }

    private String example() {
        String g = groupNames.isEmpty() ? "group" : groupNames.get(0);
        List<String> names = groupNames.isEmpty() ? List.of() : reader.servedNames(g);
        return g + "." + (names.isEmpty() ? "feature" : names.get(0));
    }

    private List<Map<String, String>> entities(JsonNode entities, List<String> groups) {
        if (entities == null || !entities.isArray()) {
            throw ApiException.badRequest("bad_request", "\"entities\" must be an array of key objects",
                    "e.g. \"entities\": [{" + keyExample(groups) + "}]");
        }
        if (entities.size() > maxEntities) {
            throw new ApiException(413, "too_many_entities", entities.size() + " entities in one request; the limit is " + maxEntities,
                    "split the request into batches of at most " + maxEntities);
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String g : groups) {
            wanted.addAll(reader.entityKeyFields(g));
        }
        List<Map<String, String>> out = new ArrayList<>(entities.size());
        int i = 0;
        for (JsonNode e : entities) {
            if (!e.isObject()) {
                throw ApiException.badRequest("bad_key", "entity " + i + " is not an object",
                        "each entity is an object of key fields, e.g. {" + keyExample(groups) + "}");
            }
            Map<String, String> key = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!wanted.contains(field.getKey())) {
                    throw ApiException.badRequest("bad_key", "entity " + i + ": '" + field.getKey()
                                    + "' is not a key field of the requested groups",
                            ClosestNames.hint(field.getKey(), wanted, "key fields"));
                }
                key.put(field.getKey(), keyValue(i, field.getKey(), field.getValue()));
            }
            for (String g : groups) {
                for (String f : reader.entityKeyFields(g)) {
                    if (!key.containsKey(f)) {
                        throw ApiException.badRequest("missing_key", "entity " + i + " has no '" + f + "', needed by group " + g,
                                "each entity needs the key fields of every requested group: " + String.join(", ", wanted));
                    }
                }
            }
            out.add(key);
            i++;
        }
        return out;
    }

    /** Key values are text; an integral JSON number names the same entity as its digits (as in the runtime). */
    private static String keyValue(int entity, String field, JsonNode v) {
        String s = null;
        if (v.isTextual()) {
            s = v.asText();
        } else if (v.isIntegralNumber()) {
            s = v.bigIntegerValue().toString();
        } else if (v.isNumber()) {
            double d = v.asDouble();
            s = d == Math.rint(d) && Math.abs(d) < 9.0e15 ? Long.toString((long) d) : Double.toString(d);
        }
        if (s == null) {
            throw ApiException.badRequest("bad_key", "entity " + entity + ": key field '" + field + "' is "
                    + v.getNodeType().name().toLowerCase() + "; keys are strings or numbers", "e.g. \"" + field + "\": \"a123\"");
        }
        if (s.isEmpty()) {
            throw ApiException.badRequest("missing_key", "entity " + entity + ": key field '" + field + "' is empty", "give a non-empty value");
        }
        return s;
    }

    private String keyExample(List<String> groups) {
        List<String> fields = new ArrayList<>();
        for (String g : groups) {
            for (String f : reader.entityKeyFields(g)) {
                if (!fields.contains(f)) {
                    fields.add(f);
                }
            }
        }
        return fields.stream().map(f -> "\"" + f + "\": \"...\"").reduce((a, b) -> a + ", " + b).orElse("");
    }

    // ---------------------------------------------------------------- catalog

    /** {@code GET /v1/features}: groups with their key fields and served features, and services. */
    public void catalog(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("groups");
        for (String g : groupNames) {
            out.writeStartObject();
            out.writeStringField("name", g);
            out.writeStringField("source", reader.sourceOf(g));
            out.writeArrayFieldStart("keys");
            for (String k : reader.entityKeyFields(g)) {
                out.writeString(k);
            }
            out.writeEndArray();
            out.writeArrayFieldStart("features");
            for (String f : reader.servedNames(g)) {
                out.writeString(f);
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeArrayFieldStart("services");
        for (FeatureService s : defs.services().values()) {
            out.writeStartObject();
            out.writeStringField("name", s.name());
            out.writeArrayFieldStart("features");
            for (FeatureRef r : s.features()) {
                out.writeString(r.qualifiedName());
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    // ---------------------------------------------------------------- shared

    private void requireGroup(String group) {
        if (!groupNames.contains(group)) {
            throw ApiException.notFound("unknown_group", "no feature group named '" + group + "'",
                    ClosestNames.hint(group, groupNames, "groups"));
        }
    }

    /** {@code as_of}: the read time; {@code freshness_ms}: now minus the newest applied event of the groups' sources (the stalest). */
    private void writeMetadata(JsonGenerator out, long asOf, long now, List<String> groups) throws IOException {
        out.writeObjectFieldStart("metadata");
        out.writeNumberField("as_of", asOf);
        long newest = Long.MAX_VALUE;
        for (String g : groups) {
            newest = Math.min(newest, reader.newestEventTime(g));
        }
        out.writeFieldName("freshness_ms");
        if (groups.isEmpty() || newest == Long.MIN_VALUE) {
            out.writeNull();
        } else {
            out.writeNumber(Math.max(0, now - newest));
        }
        out.writeEndObject();
    }
}
