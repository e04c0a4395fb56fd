package dev.tessera.core.codec;

import dev.tessera.api.TesseraException;

/** Stored bytes cannot be decoded: truncated, an unknown version byte, or garbage. */
public class CorruptDataException extends TesseraException {
    public CorruptDataException(String message) {
        super(message);
    }

    /** With the lower-level failure (a library's decoder, a shorter message without context) as cause. */
    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
