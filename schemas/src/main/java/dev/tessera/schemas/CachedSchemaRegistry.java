package dev.tessera.schemas;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Caches what never changes once the registry has said it: a schema by id (ids are immutable), and
 * the version and id of a schema registered under a subject (versions are never deleted here).
 * Everything else (latest versions, levels, subject lists) is asked of the registry each time. A
 * decoder asks for the writer schema of every record, so this is what keeps the registry off the
 * hot path: one request per schema id per process.
 */
public final class CachedSchemaRegistry implements SchemaRegistry {
    private final SchemaRegistry registry;
    private final Map<Integer, RegisteredSchema> byId = new ConcurrentHashMap<>();
    private final Map<String, RegisteredSchema> registered = new ConcurrentHashMap<>();

    public CachedSchemaRegistry(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public RegisteredSchema byId(int id) {
        RegisteredSchema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema found = registry.byId(id); // not computeIfAbsent: a remote call must not hold a map bin
        RegisteredSchema raced = byId.putIfAbsent(id, found);
        return raced == null ? found : raced;
    }

    @Override
    public RegisteredSchema register(String subject, Schema schema) {
        String key = subject + '\u0000' + schema;
        RegisteredSchema cached = registered.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema r = registry.register(subject, schema);
        registered.put(key, r);
        byId.putIfAbsent(r.id(), new RegisteredSchema(null, 0, r.id(), r.schema()));
        return r;
    }

    @Override
    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        String key = subject + '\u0000' + schema;
        RegisteredSchema cached = registered.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<RegisteredSchema> found = registry.lookup(subject, schema);
        found.ifPresent(r -> registered.put(key, r));
        return found;
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        return registry.version(subject, version);
    }

    @Override
    public List<Integer> versions(String subject) {
        return registry.versions(subject);
    }

    @Override
    public List<String> subjects() {
        return registry.subjects();
    }

    @Override
    public List<RegisteredSchema> usesOf(int id) {
        return registry.usesOf(id);
    }

    @Override
    public Compatibility compatibility(String subject) {
        return registry.compatibility(subject);
    }

    @Override
    public Optional<Compatibility> subjectCompatibility(String subject) {
        return registry.subjectCompatibility(subject);
    }

    @Override
    public Compatibility globalCompatibility() {
        return registry.globalCompatibility();
    }

    @Override
    public void setCompatibility(String subject, Compatibility level) {
        registry.setCompatibility(subject, level);
    }

    @Override
    public List<String> test(String subject, int version, Schema schema) {
        return registry.test(subject, version, schema);
    }
}
