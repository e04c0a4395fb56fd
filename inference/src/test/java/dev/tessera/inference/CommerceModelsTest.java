package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The models the demo ships (examples/commerce/models) load against the example definitions, stay small, and score. */
class CommerceModelsTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @Test
    void theDemoModelsLoadAndScore() throws IOException {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        ModelRegistry registry = ModelRegistry.load(ModelRegistry.defaultFolder(EXAMPLES), defs);

        assertThat(registry.names()).containsExactly("account_risk");
        RegisteredModel v1 = registry.get("account_risk", 1).orElseThrow();
        RegisteredModel v2 = registry.get("account_risk", 2).orElseThrow();
        assertThat(v1.model().format()).isEqualTo(ModelFormat.LOGISTIC);
        assertThat(v1.service().name()).isEqualTo("account_risk_v1");
        assertThat(v2.model().format()).isEqualTo(ModelFormat.XGBOOST);
        assertThat(v2.service().name()).isEqualTo("account_risk_v2");
        assertThat(((TreeEnsemble) v2.model()).trees()).isLessThanOrEqualTo(100);
        JsonNode trees = new ObjectMapper().readTree(EXAMPLES.resolve("models/account_risk_v2.json").toFile())
                .path("learner").path("gradient_booster").path("model").path("trees");
        for (JsonNode t : trees) {
            assertThat(t.path("left_children").size()).as("depth <= 4: at most 31 nodes").isLessThanOrEqualTo(31);
        }
        assertThat(Files.size(EXAMPLES.resolve("models/account_risk_v2.json"))).isLessThan(300_000);

        for (RegisteredModel m : List.of(v1, v2)) {
            List<Object> quiet = new ArrayList<>();
            List<Object> takeover = new ArrayList<>();
            for (FeatureRef ref : m.service().features()) {
                String n = ref.servedName();
                boolean country = n.contains("country");
                boolean list = n.startsWith("recent_cards") || n.startsWith("top_merchants");
                quiet.add(country ? "DE" : list ? List.of() : n.startsWith("distinct") ? 1L : 0L);
                takeover.add(country ? "VN" : list ? List.of("c1", "c2", "c3") : n.startsWith("amount") ? 2400.0 : 6L);
            }
            double low = m.score(quiet);
            double high = m.score(takeover);
            assertThat(low).as(m.toString()).isBetween(0.0, 0.05);
            assertThat(high).as(m + ": a burst from a ring's country").isGreaterThan(low);
        }
    }
}
