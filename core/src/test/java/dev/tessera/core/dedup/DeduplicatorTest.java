package dev.tessera.core.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeduplicatorTest {
    @Test
    void anIdIsFirstSeenOnce() {
        Deduplicator d = new Deduplicator(60_000);
        assertThat(d.firstSeen("a", 1_000)).isTrue();
        assertThat(d.firstSeen("a", 1_000)).isFalse();
        assertThat(d.firstSeen("a", 50_000)).isFalse(); // same id, other time: still a duplicate
        assertThat(d.firstSeen(null, 1_000)).isTrue();
        assertThat(d.firstSeen(null, 1_000)).isTrue(); // no id, no dedup
    }

    /** Against a naive model: an id is a duplicate iff seen before with a time >= clock - horizon at the last expiry. */
    @Test
    void expiryNeverForgetsEarlyAndForgetsWithinOneBucket() {
        for (long seed = 0; seed < 300; seed++) {
            Random rnd = new Random(seed);
            long horizon = 1_000 + rnd.nextInt(100_000);
            Deduplicator d = new Deduplicator(horizon);
            Map<String, Long> model = new HashMap<>();
            long clock = rnd.nextInt(1_000_000);
            for (int i = 0; i < 2_000; i++) {
                if (rnd.nextInt(50) == 0) {
                    clock += rnd.nextInt((int) horizon);
                    d.expire(clock);
                    long cutoff = clock - horizon;
                    // must forget nothing at or after the cutoff, must forget everything one horizon/16 bucket before it
                    Map<Deduplicator.IdHash, Long> remembered = d.snapshot();
                    for (var e : model.entrySet()) {
                        boolean kept = remembered.containsKey(d.idHash(e.getKey()));
                        if (e.getValue() >= cutoff) {
                            assertThat(kept).as("seed %d: %s kept", seed, e.getKey()).isTrue();
                        } else if (e.getValue() < cutoff - horizon / 16 - 1) {
                            assertThat(kept).as("seed %d: %s forgotten", seed, e.getKey()).isFalse();
                        }
                    }
                    model.keySet().removeIf(id -> !remembered.containsKey(d.idHash(id)));
                }
                String id = "id" + rnd.nextInt(300);
                long time = clock - rnd.nextInt((int) horizon);
                boolean expectedFirst = !model.containsKey(id);
                assertThat(d.firstSeen(id, time)).as("seed %d id %s", seed, id).isEqualTo(expectedFirst);
                model.putIfAbsent(id, time);
            }
        }
    }

    /** After expire(clock), the ids remembered are exactly those first applied at or after retainedSince(clock). */
    @Test
    void retainedSinceSaysExactlyWhichIdsExpireKeeps() {
        for (long seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            long horizon = 1 + rnd.nextInt(rnd.nextBoolean() ? 50 : 100_000);
            Deduplicator d = new Deduplicator(horizon);
            Map<String, Long> applied = new HashMap<>();
            long clock = rnd.nextInt(1_000_000) - 500_000;
            for (int i = 0; i < 500; i++) {
                long time = clock - rnd.nextInt((int) (3 * horizon + 2));
                String id = "id" + i;
                d.firstSeen(id, time);
                applied.put(id, time);
                if (rnd.nextInt(10) == 0) {
                    clock += rnd.nextInt((int) horizon + 1);
                    d.expire(clock);
                    long since = d.retainedSince(clock);
                    Map<String, Long> expected = new HashMap<>(applied);
                    expected.values().removeIf(t -> t < since);
                    assertThat(d.snapshot()).as("seed %d clock %d", seed, clock).isEqualTo(hashed(d, expected));
                    applied = expected;
                }
            }
        }
        assertThat(new Deduplicator(10).retainedSince(Long.MIN_VALUE + 5)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void snapshotAndRestoreKeepDecisions() {
        Deduplicator d = new Deduplicator(10_000);
        d.firstSeen("a", 1);
        d.firstSeen("b", 5_000);
        Deduplicator restored = new Deduplicator(10_000);
        restored.restore(d.snapshot());
        assertThat(restored.firstSeen("a", 1)).isFalse();
        assertThat(restored.firstSeen("c", 1)).isTrue();
        restored.expire(12_000);
        assertThat(restored.snapshot()).containsOnlyKeys(d.idHash("b")); // a and c (time 1) are older than 12000 - 10000
    }

    /**
     * Against a HashSet oracle, with hash functions that collide on purpose (a constant, a few
     * values, the length): first-seen answers, sizes and expiries must be exactly the oracle's, so
     * a collision of the table's probe (the hash's high half) can never turn a new id into a duplicate; the table's probing, growth,
     * shrinking and backward-shift removal all run through long chains of equal hashes.
     */
    @Test
    void collidingHashesNeverMakeFalseDuplicates() {
        java.util.List<java.util.function.ToLongFunction<String>> hashers = java.util.List.of(
                id -> 0L, id -> 7L, id -> id.hashCode() & 3, id -> id.length(), id -> (long) id.hashCode() << 32,
                id -> Deduplicator.hash(id).getMostSignificantBits());
        for (int hi = 0; hi < hashers.size(); hi++) {
            for (long seed = 0; seed < 40; seed++) {
                Random rnd = new Random(seed * 31 + hi);
                long horizon = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 10_000);
                Deduplicator d = new Deduplicator(horizon, hashers.get(hi));
                Map<String, Long> applied = new HashMap<>(); // oracle: id -> first event time, among those kept
                long clock = rnd.nextInt(1_000_000) - 500_000;
                int ops = hi < 2 ? 600 : 3_000;
                for (int i = 0; i < ops; i++) {
                    String id = "id" + rnd.nextInt(rnd.nextBoolean() ? 50 : 2_000);
                    long time = clock - rnd.nextInt((int) (2 * horizon + 1));
                    boolean expected = !applied.containsKey(id);
                    assertThat(d.firstSeen(id, time)).as("hasher %d seed %d op %d id %s", hi, seed, i, id).isEqualTo(expected);
                    applied.putIfAbsent(id, time);
                    if (rnd.nextInt(40) == 0) {
                        clock += rnd.nextInt((int) horizon + 1);
                        int forgotten = d.expire(clock);
                        long since = d.retainedSince(clock);
                        int before = applied.size();
                        applied.values().removeIf(t -> t < since);
                        assertThat(forgotten).as("hasher %d seed %d forgotten", hi, seed).isEqualTo(before - applied.size());
                    }
                    assertThat(d.size()).isEqualTo(applied.size());
                }
                assertThat(d.snapshot()).as("hasher %d seed %d", hi, seed).isEqualTo(hashed(d, applied));
                for (String id : applied.keySet()) {
                    assertThat(d.firstSeen(id, clock)).as("hasher %d seed %d kept %s", hi, seed, id).isFalse();
                }
            }
        }
    }

    /** Event times at both ends of the long range (bucket arithmetic near overflow). */
    @Test
    void extremeEventTimes() {
        Deduplicator d = new Deduplicator(3);
        long[] times = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (int i = 0; i < times.length; i++) {
            assertThat(d.firstSeen("e" + i, times[i])).isTrue();
            assertThat(d.firstSeen("e" + i, times[i])).isFalse();
        }
        assertThat(d.size()).isEqualTo(times.length);
        assertThat(d.snapshot()).hasSize(times.length).containsEntry(d.idHash("e0"), Long.MIN_VALUE)
                .containsEntry(d.idHash("e6"), Long.MAX_VALUE);
    }

    /** The hashed ids of {@code d} and the time of each (what a correct {@link Deduplicator#snapshot()} lists). */
    private static Map<Deduplicator.IdHash, Long> hashed(Deduplicator d, Map<String, Long> byId) {
        Map<Deduplicator.IdHash, Long> out = new HashMap<>();
        byId.forEach((id, time) -> out.put(d.idHash(id), time));
        return out;
    }

    /** The hash-only entry points (what the runtime's restore and applier call) decide as the string ones. */
    @Test
    void hashesDecideAsTheirIds() {
        Deduplicator byId = new Deduplicator(1_000);
        Deduplicator byHash = new Deduplicator(1_000);
        Random rnd = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            String id = "x" + rnd.nextInt(800);
            long time = i / 5;
            var h = Deduplicator.hash(id);
            byHash.prefetch(h.getMostSignificantBits());
            assertThat(byHash.firstSeen(h.getMostSignificantBits(), h.getLeastSignificantBits(), time))
                    .as("op %d id %s", i, id).isEqualTo(byId.firstSeen(id, time));
            if (i % 700 == 0) {
                assertThat(byHash.expire(time)).isEqualTo(byId.expire(time));
            }
        }
        assertThat(byHash.snapshot()).isEqualTo(byId.snapshot());
    }
}
