package dev.tessera.cli;

import picocli.CommandLine.Option;

/** {@code --duration}: how long a long-running command (demo, run, serve, archive) runs before it stops by itself. */
final class DurationOption {
    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after this many seconds (0: run until Ctrl-C). Default: ${DEFAULT-VALUE}")
    long durationSeconds;
}
