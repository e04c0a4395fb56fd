package dev.tessera.offline.imports;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An import in a child JVM for {@link ImportCrashTest}: args are the definitions folder, the data
 * folder, the clock (epoch millis), the rows per commit, then the input files. Prints
 * {@code P <fraction>} as it goes (reading is 0 to 0.5, archiving 0.5 to 1), then {@code DONE}.
 */
public final class CrashTestImportMain {
    private CrashTestImportMain() {
    }

    public static void main(String[] args) throws Exception {
        Path defsDir = Path.of(args[0]);
        Path data = Path.of(args[1]);
        long now = Long.parseLong(args[2]);
        long chunk = Long.parseLong(args[3]);
        List<Path> files = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            files.add(Path.of(args[i]));
        }
        Definitions defs = DefinitionLoader.load(defsDir);
        Importer.Options o = Importer.Options.of("payments", files, data.resolve("tmp")).withMaxRecordBytes(ImportWorld.MAX_RECORD_BYTES)
                .withClock(() -> now);
        o = o.withChunks(chunk, o.spillBudgetBytes());
        Importer.Report r = new Importer(defs, defsDir, data.resolve("archive")).run(o, (phase, fraction) -> {
            System.out.println("P " + (phase.equals("read") ? fraction / 2 : 0.5 + fraction / 2));
            System.out.flush();
        });
        System.out.println("DONE " + r.archived() + " " + r.rejected());
    }
}
