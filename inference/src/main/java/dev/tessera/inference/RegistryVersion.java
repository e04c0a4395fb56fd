package dev.tessera.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/** A content hash of a registry: its YAML files and the artifacts they name, like the definitions' version. */
final class RegistryVersion {
    private RegistryVersion() {
    }

    static String of(Path folder, List<Path> yamlFiles, List<RegisteredModel> models) {
        TreeMap<String, Path> files = new TreeMap<>();
        for (Path p : yamlFiles) {
            files.put(folder.relativize(p).toString().replace('\\', '/'), p);
        }
        for (RegisteredModel m : models) {
            Path yaml = folder.resolve(m.info().location().file());
            Path artifact = yaml.getParent().resolve(m.info().artifact()).normalize();
            files.put(folder.relativize(artifact).toString().replace('\\', '/'), artifact);
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (var e : files.entrySet()) {
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(ByteBuffer.allocate(Long.BYTES).putLong(Files.size(e.getValue())).array());
                try (InputStream in = Files.newInputStream(e.getValue())) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read a registry file while versioning", e);
        }
    }
}
