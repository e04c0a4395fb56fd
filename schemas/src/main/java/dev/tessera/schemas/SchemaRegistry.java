package dev.tessera.schemas;

import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * A schema registry as the Confluent Schema Registry's REST API defines it: subjects (by default
 * {@code <topic>-value}) hold versions 1, 2, ... of schemas; every distinct schema has one global
 * id, which the {@linkplain ConfluentWireFormat wire format} carries in each record; registering
 * checks the subject's compatibility level. Implementations: {@link LocalSchemaRegistry} (embedded,
 * file-backed), {@link HttpSchemaRegistry} (any server speaking the API, the embedded one included),
 * and {@link CachedSchemaRegistry} around either.
 *
 * <p>Refusals throw {@link SchemaRegistryException} with the API's error code; a registry that
 * cannot be reached throws {@link SchemaRegistryUnavailableException}.
 */
public interface SchemaRegistry {
    /** The version number that means "the latest" in {@link #version} and {@link #test}. */
    int LATEST = -1;

    /** The schema with global id {@code id}; error {@code 40403} when there is none. */
    RegisteredSchema byId(int id);

    /**
     * Registers {@code schema} under {@code subject} and returns it with its id and version. The
     * same schema again returns the existing version; a schema already registered under another
     * subject keeps its id. Error {@code 409} naming the incompatibilities when the subject's level
     * refuses it.
     */
    RegisteredSchema register(String subject, Schema schema);

    /** The version of {@code subject} holding exactly {@code schema}, if any. */
    Optional<RegisteredSchema> lookup(String subject, Schema schema);

    /** Version {@code version} (or {@link #LATEST}) of {@code subject}; errors {@code 40401}, {@code 40402}. */
    RegisteredSchema version(String subject, int version);

    /** The subject's versions, ascending; error {@code 40401} for an unknown subject. */
    List<Integer> versions(String subject);

    List<String> subjects();

    /** Every (subject, version) that holds schema {@code id}. */
    List<RegisteredSchema> usesOf(int id);

    /** The level that applies to {@code subject}: its own, else the global one. */
    Compatibility compatibility(String subject);

    /** The subject's own level, if set. */
    Optional<Compatibility> subjectCompatibility(String subject);

    Compatibility globalCompatibility();

    /** Sets the level of {@code subject}, or the global level when {@code subject} is null. */
    void setCompatibility(String subject, Compatibility level);

    /**
     * Why {@code schema} could not be registered after version {@code version} (or the latest) of
     * {@code subject} under the subject's level: empty when it could.
     */
    List<String> test(String subject, int version, Schema schema);
}
