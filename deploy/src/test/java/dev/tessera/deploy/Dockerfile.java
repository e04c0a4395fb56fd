package dev.tessera.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The instructions of a Dockerfile, enough to compare it with the manifests (no Docker engine
 * here to build it): line continuations joined, comments dropped.
 */
record Dockerfile(Path file, List<Instruction> instructions) {
    record Instruction(String keyword, String arguments) {
    }

    static Dockerfile read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String text = current.toString().strip();
            current.setLength(0);
            int space = text.indexOf(' ');
            out.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT), text.substring(space + 1).strip()));
        }
        return new Dockerfile(file, out);
    }

    List<String> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
    }

    /** The single instruction {@code keyword}'s arguments; fails when there is none or several. */
    String only(String keyword) {
        List<String> found = all(keyword);
        if (found.size() != 1) {
            throw new AssertionError(file + " has " + found.size() + " " + keyword + " instructions, expected one");
        }
        return found.get(0);
    }

    /** ENTRYPOINT in exec form (a JSON array), as the container runtime runs it. */
    List<String> entrypoint() {
        String json = only("ENTRYPOINT");
        try {
            return List.of(JsonMapper.builder().build().readValue(json, String[].class));
        } catch (JacksonException e) {
            throw new AssertionError(file + ": ENTRYPOINT is not in exec form (a JSON array): " + json, e);
        }
    }

    /** Target paths of the COPY instructions whose source is {@code source} (flags such as --chown skipped). */
    List<String> copyTargets(String source) {
        List<String> out = new ArrayList<>();
        for (String args : all("COPY")) {
            List<String> words = new ArrayList<>(List.of(args.split("\\s+")));
            words.removeIf(w -> w.startsWith("--"));
            if (words.size() == 2 && words.get(0).equals(source)) {
                out.add(words.get(1));
            }
        }
        return out;
    }
}
