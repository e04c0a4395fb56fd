package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./tessera} launcher at the repository root. Running it would start a nested Maven
 * build, so this checks what can be checked without one: it is an executable bash script that
 * parses, and it runs the jar this module builds.
 */
class LauncherScriptTest {
    private static final Path LAUNCHER = Path.of("..", "tessera");

    @Test
    void isAnExecutableBashScriptThatParses() throws IOException, InterruptedException {
        assertThat(Files.isExecutable(LAUNCHER)).isTrue();
        assertThat(Files.readAllLines(LAUNCHER).get(0)).isEqualTo("#!/usr/bin/env bash");
        Process check = new ProcessBuilder("bash", "-n", LAUNCHER.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output).isZero();
    }

    @Test
    void runsTheJarThisModuleBuilds() throws IOException {
        assertThat(Files.readString(LAUNCHER)).contains("cli/target/tessera-cli.jar", "-pl cli -am", "\"$@\"");
    }
}
