package dev.tessera.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The type of a field a JSON source declares ({@code fields: {amount: double}}): the same four
 * kinds every decoder produces (Avro int and long read as long, float and double as double, enum as
 * string). Any declared field may be null or absent in an event.
 */
public enum FieldType {
    STRING,
    LONG,
    DOUBLE,
    BOOLEAN;

    /** The name written in definitions: {@code string}, {@code long}, {@code double}, {@code boolean}. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<FieldType> fromYaml(String name) {
        return Arrays.stream(values()).filter(t -> t.yamlName().equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(FieldType::yamlName).toList();
    }

    public boolean numeric() {
        return this == LONG || this == DOUBLE;
    }
}
