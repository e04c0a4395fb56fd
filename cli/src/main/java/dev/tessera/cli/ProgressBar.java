package dev.tessera.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line text progress bar, redrawn in place with a carriage return whenever the whole percent
 * changes (at most 101 redraws however long the run). Off when disabled, e.g. when stderr is not a
 * terminal: a log file would otherwise collect every redraw.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private int shown = -1;

    ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    void update(double fraction) {
        int percent = (int) Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
        if (!enabled || percent == shown) {
            return;
        }
        shown = percent;
        err.print("\r" + render(percent));
        err.flush();
    }

    /** Ends the line the bar was drawn on, if it was drawn. */
    void done() {
        if (enabled && shown >= 0) {
            err.println();
            err.flush();
        }
    }

    static String render(int percent) {
        int filled = percent * WIDTH / 100;
        return "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + String.format(Locale.ROOT, "%3d%%", percent);
    }
}
