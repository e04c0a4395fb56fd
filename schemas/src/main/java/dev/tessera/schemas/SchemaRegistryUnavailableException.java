package dev.tessera.schemas;

import dev.tessera.api.TesseraException;

/**
 * The registry could not be asked (connection refused, timeout, a 5xx answer). Unlike a
 * {@link SchemaRegistryException} this says nothing about the data: callers retry, and a consumer
 * never dead-letters a record for it.
 */
public class SchemaRegistryUnavailableException extends TesseraException {
    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
