package dev.tessera.schemas;

import dev.tessera.api.TesseraException;

/**
 * A refusal by a schema registry, with the Confluent REST API's error code ({@code 40401} subject
 * not found, {@code 40403} schema not found, {@code 409} incompatible, {@code 42201} invalid
 * schema...) and the HTTP status it travels with.
 */
public class SchemaRegistryException extends TesseraException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INCOMPATIBLE = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int INVALID_SUBJECT = 42208;
    public static final int UNSUPPORTED = 40501;

    private final int errorCode;

    public SchemaRegistryException(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }

    /** The HTTP status of the code: its first three digits (40401 → 404), or the code itself. */
    public int httpStatus() {
        return errorCode >= 10_000 ? errorCode / 100 : errorCode;
    }

    /** True for the "not found" family (subject, version, schema). */
    public boolean notFound() {
        return httpStatus() == 404;
    }
}
