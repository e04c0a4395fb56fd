package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Control's share is what the variants leave, shown as the decimal a user configured, not 1 − 0.4 − 0.3's binary noise. */
class ControlShareTest {
    @Test
    void controlGetsTheDecimalRest() {
        assertThat(1 - (0.4 + 0.3)).as("the noise this avoids").isNotEqualTo(0.3);
        assertThat(LiveExperiment.rest(0.4 + 0.3)).isEqualTo(0.3);
        assertThat(LiveExperiment.rest(0.1 + 0.2)).isEqualTo(0.7);
        assertThat(LiveExperiment.rest(0)).isEqualTo(1.0);
        assertThat(LiveExperiment.rest(1)).isEqualTo(0.0);
        assertThat(LiveExperiment.rest(0.123456789)).isEqualTo(0.876543211);
    }
}
