package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void redrawsInPlaceOncePerPercentAndEndsTheLine() {
        StringWriter err = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(err), true);
        bar.update(0.0);
        bar.update(0.004); // same percent: no redraw
        bar.update(0.5);
        bar.update(1.0);
        bar.done();
        assertThat(err.toString()).isEqualTo("\r[                              ]   0%"
                + "\r[###############               ]  50%"
                + "\r[##############################] 100%" + System.lineSeparator());
    }

    @Test
    void disabledPrintsNothing() {
        StringWriter err = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(err), false);
        bar.update(0.3);
        bar.done();
        assertThat(err.toString()).isEmpty();
    }
}
