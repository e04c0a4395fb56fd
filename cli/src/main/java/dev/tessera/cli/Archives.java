package dev.tessera.cli;

import dev.tessera.api.Source;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.EventScan;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The archive under {@code <data>/archive} as the offline commands read it. */
final class Archives {
    private Archives() {
    }

    /**
     * Each source's archived events; a source with nothing archived reads as empty, with a note on
     * {@code err} (a service may mix sources only some of which were imported or streamed).
     */
    static Function<Source, EventScan> reader(Path archive, PrintWriter err) {
        List<String> present = Files.isDirectory(archive) ? ArchiveReader.sources(archive) : List.of();
        Set<String> noted = new HashSet<>();
        return src -> {
            if (present.contains(src.name())) {
                return ArchiveReader.open(archive, src.name());
            }
            if (noted.add(src.name())) {
                err.println("note: nothing archived for source " + src.name() + " in " + archive
                        + " (tessera run/demo archive what they consume; tessera import loads files): its features are empty;"
                        + " is --data the node's data folder? (the demo's is tessera-data/demo)");
                err.flush();
            }
            return (from, until, sink) -> { };
        };
    }
}
