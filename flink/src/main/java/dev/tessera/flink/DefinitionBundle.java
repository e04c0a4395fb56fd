package dev.tessera.flink;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.io.Folders;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The definitions folder travelling with the job: every file's bytes by relative path, so task
 * managers on other machines load exactly what the client validated (YAML and Avro schema files
 * alike), without a shared file system. Each JVM writes a bundle out once, to a temp folder named by
 * its content hash, and loads it from there; the folder is deleted when the JVM exits.
 */
public final class DefinitionBundle implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Loaded> LOADED = new ConcurrentHashMap<>();

    private final TreeMap<String, byte[]> files;
    private final String hash;

    private DefinitionBundle(TreeMap<String, byte[]> files) {
        this.files = files;
        this.hash = hashOf(files);
    }

    /** Reads every regular file under {@code dir} but hidden ones (and checks that the definitions load). */
    public static DefinitionBundle of(Path dir) {
        DefinitionLoader.load(dir);
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = dir.relativize(p);
                boolean hidden = false;
                for (Path part : rel) {
                    hidden |= part.toString().startsWith("."); // e.g. a Kubernetes ConfigMap's ..data copies
                }
                if (Files.isRegularFile(p) && !hidden) {
                    files.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the definitions in " + dir, e);
        }
        return new DefinitionBundle(files);
    }

    /** The loaded definitions (once per JVM and bundle). */
    public Definitions definitions() {
        return loaded().definitions;
    }

    /** The folder the bundle was written to on this JVM (schema files are resolved against it). */
    public Path directory() {
        return loaded().directory;
    }

    private Loaded loaded() {
        return LOADED.computeIfAbsent(hash, h -> {
            try {
                Path dir = Files.createTempDirectory("tessera-definitions-" + h.substring(0, 12) + "-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> Folders.deleteTreeQuietly(dir), "tessera-definitions-cleanup"));
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    Path target = dir.resolve(f.getKey());
                    Files.createDirectories(target.getParent());
                    Files.write(target, f.getValue());
                }
                return new Loaded(dir, DefinitionLoader.load(dir));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the job's definitions to a temp folder", e);
            }
        });
    }

    private static String hashOf(TreeMap<String, byte[]> files) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                sha.update(f.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(f.getValue());
                sha.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Loaded(Path directory, Definitions definitions) {}
}
