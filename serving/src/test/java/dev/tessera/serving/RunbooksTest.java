package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every alert the monitor raises links to a runbook that exists and says what it means, how to confirm and what to do. */
class RunbooksTest {
    @Test
    void everyAlertHasARunbook() throws Exception {
        for (String kind : QualityMonitor.ALERTS) {
            Path page = Path.of("..", "docs", "runbooks", kind + ".md");
            assertThat(page).as(kind).isRegularFile();
            assertThat(Files.readString(page)).as(kind).contains("**Means:**", "## Confirm", "## Mitigate", "## Root cause");
            assertThat(Files.readString(Path.of("..", "docs", "runbooks", "README.md"))).contains("(" + kind + ".md)");
        }
        assertThat(QualityMonitor.Settings.DEFAULTS.runbookBase()).isEqualTo("docs/runbooks/");
    }
}
