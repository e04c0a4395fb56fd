package dev.tessera.inference;

import dev.tessera.api.Location;
import dev.tessera.api.TimeSpan;
import java.util.List;

/**
 * An A/B experiment between versions of one model (SPEC §7; a {@code kind: Experiment} file in the
 * registry folder). Requests to {@code POST /v1/score/<model>} are split by {@link Assignment}: each
 * treatment variant gets its share of units, the rest get the control version; shadow versions are
 * scored and logged for every request, never returned. Guardrails compare each treatment with
 * control and move its traffic back to control when it breaks one.
 *
 * @param salt     mixed into the unit hash: a new salt reshuffles every unit (a new experiment)
 * @param control  the control version
 * @param variants the treatments, in file order (each owns a fixed slice of the hash space)
 * @param shadows  versions scored beside every request and logged, never returned
 */
public record Experiment(String name, String model, String salt, int control, List<Variant> variants, List<Integer> shadows,
                         Guardrails guardrails, String owner, String description, Location location) {
    /** What a control assignment is called in answers and logs. */
    public static final String CONTROL = "control";

    public Experiment {
        variants = List.copyOf(variants);
        shadows = List.copyOf(shadows);
    }

    /**
     * A treatment.
     *
     * @param share the fraction of units it gets (0..1; at most 1 / number of treatments, its slice)
     */
    public record Variant(String name, int version, double share) {
    }

    /**
     * When a treatment's traffic goes back to control, judged over {@code window} once both the
     * treatment and control have {@code minRequests} requests in it. Null: not checked.
     *
     * @param maxErrorRate share of the treatment's requests that failed
     * @param maxP99Millis the treatment's p99 scoring latency (feature fetch included)
     * @param maxScorePsi  PSI of the treatment's scores against control's
     */
    public record Guardrails(Double maxErrorRate, Double maxP99Millis, Double maxScorePsi, int minRequests, TimeSpan window) {
        public static final Guardrails DEFAULTS = new Guardrails(0.01, null, null, 200, TimeSpan.parse("5m"));
    }
}
