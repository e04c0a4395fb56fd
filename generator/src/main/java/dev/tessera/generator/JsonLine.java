package dev.tessera.generator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes one event as a single line of JSON, fields in call order. Three shapes, for
 * {@link Disorder#MISSING_KEY} (entity key fields left out) and {@link Disorder#WRONG_TYPE}
 * (the time as a local date string), besides the normal one.
 *
 * <p>Hand-written rather than Jackson: the values are the world's own ids, codes and numbers, and
 * the output must stay byte-identical across library versions. Strings are escaped all the same.
 */
final class JsonLine {
    enum Shape { NORMAL, WITHOUT_KEYS, TIME_AS_TEXT }

    private static final DateTimeFormatter LOCAL_DATE =
            DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss", java.util.Locale.ROOT).withZone(ZoneOffset.UTC);

    private final StringBuilder b = new StringBuilder(256);
    private final Shape shape;

    JsonLine(Shape shape) {
        this.shape = shape;
        b.append('{');
    }

    JsonLine text(String name, String value) {
        name(name);
        quoted(value);
        return this;
    }

    /** An entity key field: left out in the {@link Shape#WITHOUT_KEYS} shape. */
    JsonLine key(String name, String value) {
        if (shape != Shape.WITHOUT_KEYS) {
            text(name, value);
        }
        return this;
    }

    JsonLine time(String name, long epochMillis) {
        name(name);
        if (shape == Shape.TIME_AS_TEXT) {
            quoted(LOCAL_DATE.format(Instant.ofEpochMilli(epochMillis)));
        } else {
            b.append(epochMillis);
        }
        return this;
    }

    /** Minor units written as a decimal with two places: 1234 -> 12.34. */
    JsonLine amount(String name, long cents) {
        name(name);
        if (cents < 0) {
            b.append('-');
            cents = -cents;
        }
        long fraction = cents % 100;
        b.append(cents / 100).append('.').append(fraction < 10 ? "0" : "").append(fraction);
        return this;
    }

    JsonLine bool(String name, boolean value) {
        name(name);
        b.append(value);
        return this;
    }

    byte[] bytes() {
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private void name(String name) {
        if (b.length() > 1) {
            b.append(',');
        }
        quoted(name);
        b.append(':');
    }

    private void quoted(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
