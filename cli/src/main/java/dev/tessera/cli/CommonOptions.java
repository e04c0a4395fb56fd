package dev.tessera.cli;

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
}
