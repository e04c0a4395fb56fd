package dev.tessera.core.codec;

import dev.tessera.api.TesseraException;

/** Stored bytes cannot be decoded: truncated, an unknown version byte, or garbage. */
public class CorruptDataException extends TesseraException {
    public CorruptDataException(String message) {
        super(message);
    }
}
