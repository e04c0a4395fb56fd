package dev.tessera.cli;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.LoadResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes (SPEC §5a). Paths are relative to the caller's working directory. */
final class CommonOptions {
    @Option(names = "--features", paramLabel = "DIR", defaultValue = "features",
            description = "Folder of feature definitions (*.yaml). Default: ${DEFAULT-VALUE}")
    Path features;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "tessera-data",
            description = "Folder of local state: online store, archive, logs. Default: ${DEFAULT-VALUE}")
    Path data;

    /** The definitions in {@link #features}, or null after printing their problems to {@code err} (the command then exits 1). */
    Definitions definitions(PrintWriter err) {
        return definitions(features, err);
    }

    /** The definitions in {@code features}, or null after printing their problems to {@code err}. */
    static Definitions definitions(Path features, PrintWriter err) {
        LoadResult loaded = DefinitionLoader.validate(features);
        if (!loaded.ok()) {
            ProblemReport.print(loaded.problems(), features, err);
            return null;
        }
        return loaded.definitions();
    }
}
