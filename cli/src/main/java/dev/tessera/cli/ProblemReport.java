package dev.tessera.cli;

import dev.tessera.api.Location;
import dev.tessera.api.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * Definition problems the way compilers print errors, so editors and CI annotate the line:
 * <pre>
 * features/groups.yaml:12:5: error: window 90s is not a multiple of hop 1m in feature declined_count
 *   hint: make the window a multiple of 1m (e.g. 1m or 2m), or set hop: 30s, ...
 * </pre>
 * Paths are the definitions folder as the user gave it joined with the file inside it.
 */
final class ProblemReport {
    private ProblemReport() {
    }

    static void print(List<Problem> problems, Path dir, PrintWriter err) {
        for (Problem p : problems) {
            err.println(place(p.location(), dir) + ": error: " + p.message());
            if (p.hint() != null && !p.hint().isBlank()) {
                err.println("  hint: " + p.hint());
            }
        }
        err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in " + dir);
    }

    private static String place(Location at, Path dir) {
        if (at.file().equals(".")) {
            return dir.toString();
        }
        String file = dir.resolve(at.file()).normalize().toString();
        if (at.line() <= 0) {
            return file;
        }
        return file + ":" + at.line() + (at.column() > 0 ? ":" + at.column() : "");
    }
}
