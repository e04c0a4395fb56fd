package dev.tessera.api;

/** A served feature by qualified name: {@code <group>.<served name>}. */
public record FeatureRef(String group, String servedName) {
    public String qualifiedName() {
        return group + "." + servedName;
    }

    /** Column name in training sets (SPEC §5a): {@code <group>__<served name>}. */
    public String columnName() {
        return group + "__" + servedName;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
