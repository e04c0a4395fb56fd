package dev.tessera.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a definitions folder: every {@code *.yaml} and {@code *.yml} below it (hidden files
 * and folders skipped, and the model registry's folder {@value #MODELS} at the top), sorted by
 * relative path so loading and the version hash do not depend on the file system's listing order.
 */
final class DefinitionFiles {
    /** Hex digits of the SHA-256 kept in {@link Definitions#version()}. */
    static final int VERSION_LENGTH = 16;

    /** {@link Location#file()} of problems with the folder itself. */
    static final String FOLDER = ".";

    /** The model registry's default folder, skipped at the top of a definitions folder. */
    static final String MODELS = DefinitionLoader.MODELS_FOLDER;

    /** A file's path relative to the folder ('/'-separated on every OS) and its bytes. */
    record DefinitionFile(String path, byte[] bytes) {
    }

    private DefinitionFiles() {
    }

    /** The YAML files below {@code dir}; problems for a missing folder, an empty one, or an unreadable file. */
    static List<DefinitionFile> list(Path dir, Problems problems) {
        Location folder = new Location(FOLDER, 0, 0);
        if (!Files.isDirectory(dir)) {
            problems.add(folder, "definitions folder " + dir + " does not exist"
                            + (Files.exists(dir) ? " (it is a file)" : ""),
                    "pass the folder that holds the *.yaml definitions, e.g. --features examples/commerce");
            return List.of();
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.filter(p -> isDefinition(dir, p)).sorted(Comparator.comparing(p -> relative(dir, p))).toList();
        } catch (IOException | UncheckedIOException e) {
            problems.add(folder, "cannot list definitions folder " + dir + ": " + e.getMessage(),
                    "check that the folder is readable");
            return List.of();
        }
        if (paths.isEmpty()) {
            problems.add(folder, "definitions folder " + dir + " has no *.yaml or *.yml files",
                    "add definitions (kind: Entity, Source, FeatureGroup, FeatureService), or point to another folder");
        }
        List<DefinitionFile> files = new ArrayList<>();
        for (Path p : paths) {
            try {
                files.add(new DefinitionFile(relative(dir, p), Files.readAllBytes(p)));
            } catch (IOException e) {
                problems.add(new Location(relative(dir, p), 0, 0), "cannot read file: " + e.getMessage(),
                        "check the file's permissions");
            }
        }
        return files;
    }

    static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace('\\', '/');
    }

    /** SHA-256 over (path, length, bytes) of every file, in path order; first {@value #VERSION_LENGTH} hex digits. */
    static String version(List<DefinitionFile> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            files.stream().sorted(Comparator.comparing(DefinitionFile::path)).forEach(f -> {
                sha.update(f.path().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(ByteBuffer.allocate(Long.BYTES).putLong(f.bytes().length).array());
                sha.update(f.bytes());
            });
            return HexFormat.of().formatHex(sha.digest()).substring(0, VERSION_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static boolean isDefinition(Path dir, Path p) {
        String name = p.getFileName().toString();
        if (!(name.endsWith(".yaml") || name.endsWith(".yml")) || !Files.isRegularFile(p)) {
            return false;
        }
        Path relative = dir.relativize(p);
        if (relative.getNameCount() > 1 && relative.getName(0).toString().equals(MODELS)) {
            return false;
        }
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }
}
