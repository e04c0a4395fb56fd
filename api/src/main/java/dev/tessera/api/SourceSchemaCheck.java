package dev.tessera.api;

import dev.tessera.api.FieldShapes.Shape;
import dev.tessera.api.filter.FieldKind;
import dev.tessera.api.filter.FilterParser;
import dev.tessera.api.filter.FilterSyntaxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The checks of the definitions against what a source's events hold (issue [Schemas]): for a source
 * with an Avro schema file, or a JSON source that declares its fields, every field the definitions
 * read must exist and have a type that fits its use:
 *
 * <ul>
 *   <li>the timestamp: a long (epoch millis; Avro {@code timestamp-millis}) or a string (ISO-8601);
 *       a {@code timestamp-micros} or {@code -nanos} long would be read as millis, so it is refused;
 *   <li>the id and the entity keys: strings or whole numbers;
 *   <li>{@code sum}, {@code avg} and {@code approx_percentile}: numbers (a string would be ignored,
 *       so the feature would silently stay 0 or null);
 *   <li>every other aggregation: any single value; no field may be bytes, an array, a map or a record;
 *   <li>filters: the fields they name exist, and comparisons and arithmetic fit the fields' types
 *       ({@code status == 5} for a string status can never be true);
 *   <li>{@code expect:} rules: the field exists; {@code min} and {@code max} need a number.
 * </ul>
 * A source with neither (a JSON source without {@code fields:}) is checked per event only.
 */
final class SourceSchemaCheck {
    private static final Set<String> MILLIS = Set.of("timestamp-millis", "local-timestamp-millis");

    private SourceSchemaCheck() {
    }

    static void check(Definitions defs, Path dir, Problems problems) {
        for (Source source : defs.sources().values()) {
            FieldShapes shapes = shapes(source, dir, problems);
            if (shapes != null) {
                new SourceSchemaCheck.Run(defs, source, shapes, problems).run();
            } else if (!source.format().avro()) {
                literalsSpeltAsFields(defs, source, problems);
            }
        }
    }

    private static final List<String> LITERALS = List.of("true", "false", "null");

    /**
     * A source without declared fields takes any field name a filter reads, so {@code flag == flase}
     * would compare two fields and never hold. A bare name of 3 letters or more, one edit from {@code
     * true}, {@code false} or {@code null} and with its first letter, is taken for a misspelt literal
     * ({@code flase}, {@code ture}, {@code nul}; not {@code full}); a field really named so is
     * written in backticks. Sources with fields or a schema report unknown names with the closest fields.
     */
    private static void literalsSpeltAsFields(Definitions defs, Source source, Problems problems) {
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (Feature f : g.features()) {
                if (f.where() == null || f.where().isBlank()) {
                    continue;
                }
                Set<String> names;
                try {
                    names = f.whereFields();
                } catch (FilterSyntaxException e) {
                    continue; // reported where the feature was read
                }
                for (String name : names) {
                    if (name.length() < 3 || f.where().contains("`" + name + "`")) {
                        continue;
                    }
                    String lower = name.toLowerCase(java.util.Locale.ROOT);
                    for (String literal : LITERALS) {
                        if (lower.charAt(0) == literal.charAt(0) && ClosestNames.distance(lower, literal) == 1) {
                            problems.add(location(f.meta(), "where"), "where of feature " + f.name() + " of group " + g.name()
                                    + " reads a field named '" + name + "' (source " + source.name()
                                    + " declares no fields, so any name is taken): did you mean " + literal + "? in \""
                                    + f.where() + "\"", "write " + literal + "; if the events really have a field named "
                                    + name + ", write it in backticks: `" + name + "`");
                        }
                    }
                }
            }
        }
    }

    private static FieldShapes shapes(Source source, Path dir, Problems problems) {
        Location at = location(source.meta());
        if (source.format().avro() && source.schema() != null) {
            Schema schema;
            try {
                schema = new Schema.Parser().parse(dir.resolve(source.schema()).toFile());
            } catch (SchemaParseException e) {
                problems.add(at, "schema file " + source.schema() + " of source " + source.name()
                        + " is not a valid Avro schema: " + e.getMessage(), "fix the schema file");
                return null;
            } catch (IOException e) {
                problems.add(at, "cannot read schema file " + source.schema() + " of source " + source.name() + ": "
                        + e.getMessage(), "check the file is readable");
                return null;
            }
            if (schema.getType() != Schema.Type.RECORD) {
                problems.add(at, "schema file " + source.schema() + " of source " + source.name() + " is "
                        + schema.getType().getName() + ", not a record", "an event schema must be a record whose"
                        + " fields the definitions name");
                return null;
            }
            return FieldShapes.avro(source.schema(), schema);
        }
        return source.fields().isEmpty() ? null : FieldShapes.declared(source);
    }

    private static Location location(Meta meta) {
        return meta == null ? Location.UNKNOWN : meta.location();
    }

    /** Where {@code key}'s value was written (the definition's location when not recorded). */
    private static Location location(Meta meta, String key) {
        return meta == null ? Location.UNKNOWN : meta.locationOf(key);
    }

    /** The checks of one source. */
    private static final class Run {
        private final Definitions defs;
        private final Source source;
        private final FieldShapes shapes;
        private final Problems problems;

        Run(Definitions defs, Source source, FieldShapes shapes, Problems problems) {
            this.defs = defs;
            this.source = source;
            this.shapes = shapes;
            this.problems = problems;
        }

        void run() {
            Location at = location(source.meta());
            String subject = "source " + source.name();
            Shape ts = require(source.timestamp(), "timestamp", subject, at);
            if (ts != null && fits(source.timestamp(), ts, EnumSet.of(FieldType.LONG, FieldType.STRING), "timestamp", subject, at,
                    "the timestamp must be epoch millis (a long) or an ISO-8601 string")) {
                if (ts.logical() != null && ts.types().contains(FieldType.LONG) && !MILLIS.contains(ts.logical())) {
                    problems.add(at, "timestamp field '" + source.timestamp() + "' of " + subject + " is "
                            + ts.describe() + " in " + shapes.origin() + ", but Tessera reads event time as epoch"
                            + " milliseconds", "produce timestamp-millis, or an ISO-8601 string");
                }
            }
            if (source.id() != null) {
                Shape id = require(source.id(), "id", subject, at);
                if (id != null) {
                    fits(source.id(), id, EnumSet.of(FieldType.STRING, FieldType.LONG), "id", subject, at,
                            "an idempotency key must be a string or a whole number");
                }
            }
            for (java.util.Map.Entry<String, Expectation> e : source.expectations().entrySet()) {
                checkExpectation(e.getKey(), e.getValue(), subject);
            }
            for (FeatureGroup g : defs.groupsOf(source)) {
                Location groupAt = location(g.meta());
                String groupSubject = "group " + g.name() + " (entity " + g.entity() + ")";
                for (String key : defs.entityOf(g).keys()) {
                    Shape k = require(key, "entity key", groupSubject, groupAt);
                    if (k != null) {
                        fits(key, k, EnumSet.of(FieldType.STRING, FieldType.LONG), "entity key", groupSubject, groupAt,
                                "entity keys must be strings or whole numbers");
                    }
                }
                for (Feature f : g.features()) {
                    checkFeature(g, f);
                }
            }
        }

        /** An expected field must exist; min and max need a number. */
        private void checkExpectation(String field, Expectation x, String subject) {
            Shape s = require(field, "expect", subject, x.location());
            if (s == null) {
                return;
            }
            boolean numeric = x.min() != null || x.max() != null;
            fits(field, s, numeric ? EnumSet.of(FieldType.LONG, FieldType.DOUBLE) : EnumSet.allOf(FieldType.class), "expect",
                    subject, x.location(), numeric ? "min and max compare numbers: use allowed: [...] for a string field"
                            : "expect a field that holds a single value (string, number or boolean)");
        }

        private void checkFeature(FeatureGroup g, Feature f) {
            Location at = location(f.meta(), "of");
            String subject = "feature " + f.name() + " of group " + g.name();
            if (f.of() != null) {
                String use = f.agg().yamlName() + " input";
                Shape of = require(f.of(), use, subject, at);
                if (of != null) {
                    boolean numeric = f.agg() == Aggregation.SUM || f.agg() == Aggregation.AVG
                            || f.agg() == Aggregation.APPROX_PERCENTILE;
                    if (numeric) {
                        fits(f.of(), of, EnumSet.of(FieldType.LONG, FieldType.DOUBLE), use, subject,
                                at, f.agg().yamlName() + " needs a number (long or double): aggregate a numeric field,"
                                        + " or count the events with a filter, e.g. agg: count, where: \"" + f.of()
                                        + " == '...'\"");
                    } else {
                        fits(f.of(), of, EnumSet.allOf(FieldType.class), use, subject, at,
                                "aggregate a field that holds a single value (string, number or boolean)");
                    }
                }
            }
            if (f.where() == null || f.where().isBlank()) {
                return;
            }
            at = location(f.meta(), "where");
            boolean allExist = true;
            for (String name : f.whereFields()) {
                allExist &= require(name, "filter", subject, at) != null;
            }
            if (!allExist) {
                return;
            }
            try {
                FilterParser.parse(f.where(), name -> {
                    Shape s = shapes.get(name);
                    return s == null ? FieldKind.ANY : s.kind();
                });
            } catch (FilterSyntaxException e) {
                problems.add(at, "where of " + subject + " does not fit the types in " + shapes.origin() + ": "
                        + e.getMessage() + " in \"" + f.where() + "\"", e.hint());
            }
        }

        /** The field's shape; when the schema lacks it, a problem naming the closest fields, and null. */
        private Shape require(String field, String use, String subject, Location at) {
            Shape s = shapes.get(field);
            if (s == null) {
                problems.add(at, "field '" + field + "' (" + use + " of " + subject + ") is not in "
                        + shapes.origin(), ClosestNames.hint(field, shapes.paths(), "its fields")
                        + "; fix the name, or add the field to " + (source.format().avro() ? "the schema"
                        : "fields: of source " + source.name()));
            }
            return s;
        }

        /** Reports a field whose types are not all in {@code allowed}, or that holds non-scalars. */
        private boolean fits(String name, Shape s, Set<FieldType> allowed, String use, String subject, Location at,
                String hint) {
            Set<FieldType> wrong = EnumSet.noneOf(FieldType.class);
            wrong.addAll(s.types());
            wrong.removeAll(allowed);
            String field = "field '" + name + "' (" + use + " of " + subject + ")";
            if (s.nonScalar() != null) {
                problems.add(at, field + " holds " + s.nonScalar() + " (" + s.describe() + " in " + shapes.origin()
                        + "), not a single value", hint);
                return false;
            }
            if (s.types().isEmpty()) {
                problems.add(at, field + " is always null (" + s.describe() + " in " + shapes.origin() + ")", hint);
                return false;
            }
            if (!wrong.isEmpty()) {
                problems.add(at, field + " is " + s.describe() + " in " + shapes.origin() + "; a " + use
                        + " cannot be " + wrong.stream().map(FieldType::yamlName).collect(Collectors.joining(" or ")),
                        hint);
                return false;
            }
            return true;
        }
    }
}
