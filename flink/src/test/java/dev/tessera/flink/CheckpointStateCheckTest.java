package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local job's restart under definitions whose tile layouts changed refuses before it starts and
 * says how to start afresh (its checkpointed state cannot be carried across, ADR 019); a change that
 * leaves the layouts alone (a description) resumes, and a fresh checkpoint folder always starts.
 */
class CheckpointStateCheckTest {
    static final String BASE = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            timestamp: event_time
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            description: %s
            features:
              - { name: payment_count, agg: count, windows: [1h, 1d] }
            %s""";

    @TempDir
    Path tmp;

    @Test
    void aRestartUnderChangedTileLayoutsRefusesAndSaysWhatToDo() throws Exception {
        Path checkpoints = tmp.resolve("ckpt");
        Path chk = Files.createDirectories(checkpoints.resolve("chk-3"));
        FlinkJobOptions o = new FlinkJobOptions();

        FlinkJob.checkSameState(checkpoints, null, bundle("v1", "first", ""), o); // a fresh job records its state
        assertThat(Files.readString(checkpoints.resolve(FlinkJob.STATE_FILE))).contains("account_payments payments [account_id]");

        FlinkJob.checkSameState(checkpoints, chk, bundle("v2", "reworded", ""), o); // a description: same state

        DefinitionBundle changed = bundle("v3", "reworded", "  - { name: amount_max, agg: max, of: amount, windows: [1d] }\n");
        assertThatThrownBy(() -> FlinkJob.checkSameState(checkpoints, chk, changed, o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the feature groups changed since the checkpoints in " + checkpoints + " were taken (changed"
                        + " account_payments)")
                .hasMessageContaining("--checkpoint-dir " + checkpoints + "-2 --consumer-group tessera-flink-2");

        FlinkJob.checkSameState(tmp.resolve("ckpt-2"), null, changed, o); // the fresh job it suggests
    }

    private DefinitionBundle bundle(String name, String description, String more) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("defs.yaml"), BASE.formatted(description, more));
        return DefinitionBundle.of(dir);
    }
}
