package dev.tessera.api;

import dev.tessera.api.DefinitionFiles.DefinitionFile;
import dev.tessera.api.YamlMapping.Scalar;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads the definitions of a folder (SPEC §2): every {@code *.yaml} / {@code *.yml} below it but in
 * {@value #MODELS_FOLDER}{@code /} (the model registry), several {@code ---}-separated documents per file, each an Entity, Source, FeatureGroup or
 * FeatureService.
 *
 * <p>Loading never stops at the first problem: each document is read field by field from
 * SnakeYAML's node tree (which keeps the line and column of every value), each mistake is recorded
 * where it is with a hint, and the references between definitions are checked once every file is
 * read. Definitions are returned only when there is no problem at all; nothing half-valid is
 * ever returned.
 *
 * <p>The version is a hash of the YAML files and the schema files they refer to, so two loads of
 * the same folder agree and any edit changes it.
 */
public final class DefinitionLoader {
    /**
     * The folder at the top of a definitions folder where the model registry lives by default
     * (module {@code inference}, ADR 022). Its YAML files describe models, not definitions: the
     * loader skips it, and the definitions' version does not change when a model is added.
     */
    public static final String MODELS_FOLDER = "models";

    private DefinitionLoader() {
    }

    /**
     * The definitions of {@code dir}.
     *
     * @throws DefinitionException listing every problem, when there is any
     */
    public static Definitions load(Path dir) {
        return validate(dir).orThrow();
    }

    /** Loads {@code dir} and returns the definitions, or every problem found; never throws for bad definitions. */
    public static LoadResult validate(Path dir) {
        Problems problems = new Problems();
        List<DefinitionFile> files = DefinitionFiles.list(dir, problems);
        DefinitionSet set = new DefinitionSet(dir, problems);
        for (DefinitionFile file : files) {
            readDocuments(file, set);
        }
        Map<String, FeatureService> services = CrossReferences.check(set);
        if (!problems.isEmpty()) {
            // the field checks still run over the groups whose source and entity are known, so that one run
            // shows the fields' problems beside the names' and references'
            Map<String, FeatureGroup> resolved = new LinkedHashMap<>();
            set.groups.forEach((name, g) -> {
                if (set.sources.containsKey(g.source()) && set.entities.containsKey(g.entity())) {
                    resolved.put(name, g);
                }
            });
            SourceSchemaCheck.check(new Definitions(set.entities, set.sources, resolved, Map.of(), ""), dir, problems);
            return new LoadResult(null, problems.sorted());
        }
        List<DefinitionFile> versioned = new ArrayList<>(files);
        for (String schema : set.schemaFiles) {
            versioned.add(readSchema(dir, schema));
        }
        Definitions defs = new Definitions(set.entities, set.sources, set.groups, services,
                DefinitionFiles.version(versioned));
        SourceSchemaCheck.check(defs, dir, problems);
        return problems.isEmpty() ? new LoadResult(defs, List.of()) : new LoadResult(null, problems.sorted());
    }

    private static void readDocuments(DefinitionFile file, DefinitionSet set) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(file.bytes())).toString();
        } catch (CharacterCodingException e) {
            set.problems.add(new Location(file.path(), 0, 0), "file is not valid UTF-8 text",
                    "save the file as UTF-8");
            set.markIncomplete();
            return;
        }
        int codePoints = text.codePointCount(0, text.length());
        if (codePoints > MAX_FILE_CODE_POINTS) {
            set.problems.add(new Location(file.path(), 0, 0), String.format(java.util.Locale.ROOT, "file has %,d characters, over the"
                    + " %,d a definitions file may hold", codePoints, MAX_FILE_CODE_POINTS), "split it into several files: every"
                    + " *.yaml below the definitions folder is read");
            set.markIncomplete();
            return;
        }
        Location control = firstNonPrintable(file.path(), text);
        if (control != null) {
            int cp = text.codePointAt(offsetOf(text, control));
            set.problems.add(control, String.format(java.util.Locale.ROOT, "the file holds the control character U+%04X, which YAML"
                    + " does not allow", cp), "remove it (a tool that wrote binary data into the file?), or write it as an escape"
                    + " inside a double-quoted string, e.g. \"\\x00\"");
            set.markIncomplete();
            return;
        }
        Iterator<Node> documents = new Yaml().composeAll(new StringReader(text)).iterator();
        int index = 0;
        try {
            while (documents.hasNext()) {
                Node document = documents.next();
                index++;
                if (document != null && !YamlMapping.isNull(document)) {
                    readDefinition(file.path(), index, document, set);
                }
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            Location at = mark == null ? new Location(file.path(), 0, 0)
                    : new Location(file.path(), mark.getLine() + 1, mark.getColumn() + 1);
            set.problems.add(at, "YAML syntax error: " + e.getProblem()
                            + (e.getContext() != null && e.getContextMark() != null
                            ? " (" + e.getContext() + " at line " + (e.getContextMark().getLine() + 1) + ")" : ""),
                    syntaxHint(e.getProblem()));
            set.markIncomplete();
        } catch (YAMLException e) {
            set.problems.add(new Location(file.path(), 0, 0), "YAML error: " + e.getMessage(),
                    "check the file is well-formed YAML");
            set.markIncomplete();
        }
    }

    /** SnakeYAML's default limit on a document stream's size, checked first for a message that says what to do. */
    static final int MAX_FILE_CODE_POINTS = 3 * 1024 * 1024;

    /** Where the first character YAML does not allow (YAML 1.1 §5.1: tab, line breaks and printable ones only) is, or null. */
    private static Location firstNonPrintable(String file, String text) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            boolean printable = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0x7E) || c == 0x85
                    || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
            if (!printable && !(i == 0 && c == 0xFEFF)) { // a byte-order mark at the start is fine
                return new Location(file, line, column);
            }
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            i += Character.charCount(c);
        }
        return null;
    }

    /** The char offset in {@code text} of a location {@link #firstNonPrintable} returned. */
    private static int offsetOf(String text, Location at) {
        int i = 0;
        for (int line = 1; line < at.line(); line++) {
            i = text.indexOf('\n', i) + 1;
        }
        return text.offsetByCodePoints(i, at.column() - 1);
    }

    private static void readDefinition(String file, int index, Node document, DefinitionSet set) {
        String example = "a mapping: kind: <" + String.join("|", DefinitionKind.yamlNames()) + ">, name: ..., ...";
        YamlMapping m = YamlMapping.of(file, document, "document " + index + " of " + file, example, set.problems);
        if (m == null) {
            return;
        }
        m.describeAs("the document at line " + m.location().line());
        String kinds = String.join(", ", DefinitionKind.yamlNames());
        Scalar kind = m.required("kind", "add kind: with one of " + kinds);
        if (kind == null) {
            return;
        }
        DefinitionKind k = DefinitionKind.fromYaml(kind.value()).orElse(null);
        if (k == null) {
            set.problems.add(kind.at(), "unknown kind '" + kind.value() + "'",
                    ClosestNames.hint(kind.value(), DefinitionKind.yamlNames(), "kinds"));
            return;
        }
        m.describeAs("the " + k.yamlName() + " at line " + m.location().line());
        switch (k) {
            case ENTITY -> EntityParser.parse(m, set);
            case SOURCE -> SourceParser.parse(m, set);
            case FEATURE_GROUP -> FeatureGroupParser.parse(m, set);
            case FEATURE_SERVICE -> FeatureServiceParser.parse(m, set);
        }
    }

    private static String syntaxHint(String problem) {
        String p = problem == null ? "" : problem;
        if (p.contains("mapping values are not allowed")) {
            return "quote values that contain ': ' (e.g. where: \"a: b\"), and check the indentation of this line";
        }
        if (p.contains("'\\t'") || p.contains("tab")) {
            return "indent with spaces; YAML does not allow tabs for indentation";
        }
        if (p.contains("expected ',' or ']'") || p.contains("expected ',' or '}'")) {
            return "close the [list] or {mapping} that starts earlier, and separate items with ', '";
        }
        return "check the indentation and quoting around this line";
    }

    private static DefinitionFile readSchema(Path dir, String schema) {
        try {
            return new DefinitionFile(schema, Files.readAllBytes(dir.resolve(schema)));
        } catch (IOException e) {
            throw new TesseraException("cannot read schema file " + dir.resolve(schema) + " while versioning", e);
        }
    }
}
