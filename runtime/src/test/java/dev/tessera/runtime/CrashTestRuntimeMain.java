package dev.tessera.runtime;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The runtime in a child JVM for {@link RuntimeCrashTest}: args are the bootstrap servers, the
 * definitions folder and the RocksDB folder. Prints STARTED once consuming, then, every few
 * milliseconds, {@code IN <n>}: the records consumed so far (committed or not), until killed.
 */
public final class CrashTestRuntimeMain {
    private CrashTestRuntimeMain() {}

    public static void main(String[] args) throws Exception {
        Definitions defs = DefinitionLoader.load(Path.of(args[1]));
        TileStore store = RocksDbTileStore.open(Path.of(args[2]));
        RuntimeConfig config = RuntimeConfig.defaults(args[0]).withCommitInterval(Duration.ofMillis(20)).withDeadLetters(false);
        StreamRuntime rt = StreamRuntime.start(defs, Path.of(args[1]), store, config);
        System.out.println("STARTED");
        System.out.flush();
        while (rt.failure() == null) {
            System.out.println("IN " + rt.counters("payments").get("in"));
            System.out.flush();
            Thread.sleep(2);
        }
        System.out.println("FAILED " + rt.failure());
        System.exit(3);
    }
}
