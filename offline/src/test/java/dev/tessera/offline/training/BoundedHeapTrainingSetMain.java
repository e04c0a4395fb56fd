package dev.tessera.offline.training;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/**
 * A training set in a child JVM for {@link BoundedHeapTest}: args are the definitions folder, the
 * archive folder, the spine, the output and the work folder. Prints {@code ROWS <n>},
 * {@code EVENTS <n>}, {@code SPLITS <n>}, {@code OLD_PEAK <bytes>} (the old generation's peak: what
 * survived young collections) and {@code MAX_HEAP <bytes>}, then {@code DONE}.
 */
public final class BoundedHeapTrainingSetMain {
    private BoundedHeapTrainingSetMain() {
    }

    public static void main(String[] args) throws Exception {
        Path defsDir = Path.of(args[0]);
        Path archive = Path.of(args[1]);
        Definitions defs = DefinitionLoader.load(defsDir);
        TrainingSetBuilder.Report r = new TrainingSetBuilder(defs, defsDir, src -> ArchiveReader.open(archive, src.name()))
                .build(TrainingSetBuilder.Options.of(Path.of(args[2]), BoundedHeapTest.SERVICE, Path.of(args[3]), Path.of(args[4])),
                        TrainingSetBuilder.Progress.NONE);
        long oldPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getName().contains("Old")) {
                oldPeak = p.getPeakUsage().getUsed();
            }
        }
        System.out.println("ROWS " + r.rows());
        System.out.println("EVENTS " + r.eventsScanned());
        System.out.println("SPLITS " + r.bucketsSplit());
        System.out.println("OLD_PEAK " + oldPeak);
        System.out.println("MAX_HEAP " + Runtime.getRuntime().maxMemory());
        System.out.println("DONE");
    }
}
