package dev.tessera.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;

/**
 * The configuration options of the Flink on the test class path (the build's Flink, the job's):
 * every {@code public static ConfigOption} of the {@code org.apache.flink.configuration.*Options}
 * classes in flink-core, by current key. Deprecated keys are not listed: Flink 2 removed many, and
 * a FlinkDeployment should use the names that Flink reads now.
 */
final class FlinkOptions {
    private static final String PACKAGE = "org/apache/flink/configuration/";

    private FlinkOptions() {
    }

    static Map<String, ConfigOption<?>> byKey() {
        Map<String, ConfigOption<?>> out = new TreeMap<>();
        try (JarFile jar = new JarFile(jarOf(ConfigOption.class).toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (name.startsWith(PACKAGE) && name.endsWith("Options.class") && name.indexOf('/', PACKAGE.length()) < 0) {
                    collect(Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.')), out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void collect(Class<?> holder, Map<String, ConfigOption<?>> out) {
        for (Field f : holder.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                try {
                    ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                    out.put(option.key(), option);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
