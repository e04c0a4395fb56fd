package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.event.Event;
import dev.tessera.offline.training.JoinPlan.EntityPlan;
import dev.tessera.offline.training.JoinPlan.SourcePlan;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.decode.Decoded;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The join of one bucket reads events spilled in either form of {@link JoinRecords} — decoded once
 * (the event pass's form) or RAW (kept for values of a type the compact form cannot hold; decoded
 * again in the join) — to the same values; events of keys no row has are dropped; both forms survive
 * a bucket being split again. The values themselves are checked against the oracle by
 * {@link TrainingSetOracleTest}, which writes only the decoded form.
 */
class BucketJoinTest {
    @TempDir
    Path dir;

    @Test
    void rawAndDecodedRecordsJoinToTheSameValues() throws Exception {
        TrainingWorld world = new TrainingWorld(5, 20);
        world.generate(1200, 500);
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        JoinPlan plan = new JoinPlan(defs, defsDir, defs.service("risk").orElseThrow(), null);
        EntityPlan account = plan.entities.stream().filter(e -> e.entity.name().equals("account")).findFirst().orElseThrow();

        int rows = 300;
        List<String> keys = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            keys.add(r % 10 == 0 ? "ghost-" + r : world.account());
            times.add(world.time());
        }
        for (String variant : List.of("decoded", "mixed", "mixed-split")) {
            Path spine = dir.resolve(variant + "-spine");
            try (SpillOutput out = new SpillOutput(spine, 4096)) {
                for (int r = 0; r < rows; r++) {
                    JoinRecords.writeSpine(out, keys.get(r), times.get(r), r);
                }
            }
            Path events = dir.resolve(variant + "-events");
            int raw = 0;
            try (SpillOutput out = new SpillOutput(events, 4096)) {
                for (TrainingWorld.Archived a : world.events) {
                    SourcePlan sp = plan.sources.stream().filter(s -> s.source.name().equals(a.source())).findFirst().orElseThrow();
                    int i = sp.entities.indexOf(account);
                    if (i < 0) {
                        continue;
                    }
                    Decoded d = sp.decoder.decode(a.event().raw());
                    Event e = d.event();
                    String key = EntityKeys.of(e, sp.keySlots.get(i));
                    if (key == null) {
                        continue;
                    }
                    boolean asRaw = !variant.equals("decoded") && a.event().offset() % 2 == 1;
                    raw += asRaw ? 1 : 0;
                    JoinRecords.writeEvent(out, sp.index, key, a.event(), asRaw ? null : e, account.slotsBySource[sp.index]);
                    if (a.event().offset() % 7 == 0) { // an entity no row asks for
                        JoinRecords.writeEvent(out, sp.index, "stranger-" + key, a.event(), asRaw ? null : e, account.slotsBySource[sp.index]);
                    }
                }
            }
            assertThat(raw > 0).isEqualTo(!variant.equals("decoded"));
            long budget = variant.endsWith("split") ? 2_048 : 64L << 20;
            Path results = dir.resolve(variant + "-results");
            long chunkRows = 64;
            int chunks = (rows + 63) / 64;
            BucketJoin join;
            try (ResultSink sink = new ResultSink(results, chunks, chunkRows, plan.features.size(), 1024)) {
                join = new BucketJoin(plan, account, false, 0, budget, sink, 1024);
                join.join(spine, List.of(events), 0);
            }
            assertThat(join.splits > 0).as(variant + ": split").isEqualTo(variant.endsWith("split"));
            assertThat(Files.exists(events)).as("bucket files are deleted once joined").isFalse();
            Object[][] values = new Object[rows][plan.features.size()];
            for (int c = 0; c < chunks; c++) {
                Object[][] part = new Object[(int) Math.min(chunkRows, rows - c * chunkRows)][plan.features.size()];
                ResultSink.read(List.of(results), c, account.columns, c * chunkRows, part);
                System.arraycopy(part, 0, values, (int) (c * chunkRows), part.length);
            }
            if (variant.equals("decoded")) {
                expected = values;
                assertThat(Arrays.stream(values).filter(v -> v[1] instanceof Long n && n > 0).count())
                        .as("rows with payments in the day before (column 1: payment_count_1d)").isGreaterThan(rows / 4);
            } else {
                for (int r = 0; r < rows; r++) {
                    assertThat(values[r]).as(variant + " row " + r).isEqualTo(expected[r]);
                }
            }
        }
    }

    private Object[][] expected;
}
