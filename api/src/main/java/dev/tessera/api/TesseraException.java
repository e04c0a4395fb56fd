package dev.tessera.api;

/**
 * Root of every exception Tessera throws on purpose. Subclasses say which kind of thing went
 * wrong; the message says what, where, and how to fix it.
 */
public class TesseraException extends RuntimeException {
    public TesseraException(String message) {
        super(message);
    }

    public TesseraException(String message, Throwable cause) {
        super(message, cause);
    }
}
