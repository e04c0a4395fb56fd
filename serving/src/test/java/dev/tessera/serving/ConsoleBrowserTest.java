package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.login;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.Source;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web console at {@code /} in a real headless Chromium, over the real stack (Kafka, runtime,
 * history, HTTP), used as a person would: read the catalog and filter it, follow a path in the
 * lineage graph, watch the source charts fill, read the models and their experiment's variants,
 * look up an account by group and by service, open the
 * quality page of a server without quality endpoints, and enter a token on a secured server. Every
 * check holds the page against the definitions or the API's own JSON, compared as values; each step
 * leaves a screenshot in {@code target/console-screenshots/}. Tests run in the order a person would
 * go (only the screenshots' story depends on it; each test opens the page it needs).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);
    /** Numbers equal when their values are (60 and 60.0 alike): JSON.stringify in the page drops a trailing .0. */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static HeadlessChromium chromium;
    static final List<Ev> payments = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stack = ServingStack.start(tmp);
        long now = System.currentTimeMillis();
        // within the last two minutes, so every window holds them for the whole test and none is late
        long t0 = now - 2 * 60 * SECOND;
        String[] status = {"APPROVED", "DECLINED", "APPROVED", "DECLINED", "APPROVED", "APPROVED"};
        for (int i = 0; i < 6; i++) {
            payments.add(payment("cp-1-" + i, "acct-1", "card-" + (i % 3), "m-" + (i % 2), 10L * (i + 1), status[i],
                    i < 4 ? "DE" : "FR", t0 + i * 10 * SECOND));
        }
        for (int i = 0; i < 3; i++) {
            payments.add(payment("cp-2-" + i, "acct-2", "card-9", "m-9", 7L + i, "APPROVED", "NL", t0 + 5 * SECOND + i * 20 * SECOND));
        }
        for (Ev p : payments) {
            stack.produce("payments", (String) p.get("account_id"), List.of(NaiveFeatures.json(p)));
        }
        // something for the reject rate: two records that are not JSON, one duplicate
        stack.produce("payments", "acct-1", List.of("{not json", "[1, 2"));
        stack.produce("payments", "acct-1", List.of(NaiveFeatures.json(payments.get(0))));
        for (int i = 0; i < 3; i++) {
            stack.produce("logins", "acct-1", List.of(NaiveFeatures.json(
                    login("cl-" + i, "acct-1", "dev-" + i, "10.1.0." + i, i != 1, "DE", t0 + 30 * SECOND + i * SECOND))));
        }
        stack.runtime.awaitCaughtUp(Duration.ofSeconds(60));
        chromium = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void noScriptErrors() {
        chromium.assertNoScriptErrors();
    }

    /** Loads the console afresh at {@code hash} (a plain get would only change the hash of the page already open). */
    private static void open(ServingServer server, String hash) {
        chromium.driver.get("about:blank");
        chromium.driver.get("http://127.0.0.1:" + server.port() + "/" + hash);
    }

    private static List<WebElement> all(String css) {
        return chromium.driver.findElements(By.cssSelector(css));
    }

    private static List<String> attributes(String css, String attribute) {
        return all(css).stream().map(e -> e.getDomAttribute(attribute)).toList();
    }

    // ---------------------------------------------------------------- catalog

    @Test
    @Order(1)
    void theCatalogListsEveryDefinitionWithOwnersAndLocations() {
        open(stack.open, "#catalog");
        chromium.until("the catalog's groups", d -> all("article.item[data-kind=group]").size() == stack.defs.groups().size());

        assertThat(attributes("article.item[data-kind=entity]", "data-name")).containsExactlyElementsOf(stack.defs.entities().keySet());
        assertThat(attributes("article.item[data-kind=source]", "data-name")).containsExactlyElementsOf(stack.defs.sources().keySet());
        assertThat(attributes("article.item[data-kind=group]", "data-name")).containsExactlyElementsOf(stack.defs.groups().keySet());
        assertThat(attributes("article.item[data-kind=service]", "data-name")).containsExactlyElementsOf(stack.defs.services().keySet());
        for (FeatureGroup g : stack.defs.groups().values()) {
            WebElement item = chromium.driver.findElement(By.cssSelector("article.item[data-kind=group][data-name=" + g.name() + "]"));
            assertThat(item.findElement(By.cssSelector(".owner")).getText()).isEqualTo(g.meta().owner());
            assertThat(item.findElement(By.cssSelector(".loc")).getText())
                    .isEqualTo(g.meta().location().file() + ":" + g.meta().location().line());
            assertThat(item.findElement(By.cssSelector(".desc")).getText()).isEqualTo(g.meta().description().strip());
            List<String> rows = item.findElements(By.cssSelector("tr[data-feature]")).stream().map(e -> e.getDomAttribute("data-feature")).toList();
            assertThat(rows).containsExactlyElementsOf(g.features().stream().map(f -> g.name() + "." + f.name()).toList());
            List<String> served = item.findElements(By.cssSelector("td.served div")).stream().map(WebElement::getText).toList();
            assertThat(served).containsExactlyElementsOf(g.servedNames());
        }
        for (FeatureService s : stack.defs.services().values()) {
            List<String> shown = all("article.item[data-name=" + s.name() + "] [data-qualified]").stream()
                    .map(e -> e.getDomAttribute("data-qualified")).toList();
            assertThat(shown).containsExactlyInAnyOrderElementsOf(s.features().stream().map(FeatureRef::qualifiedName).toList());
        }
        dev.tessera.inference.ModelRegistry registry = dev.tessera.inference.ModelRegistry.loadIfPresent(
                dev.tessera.inference.ModelRegistry.defaultFolder(ServingStack.FEATURES), stack.defs);
        assertThat(registry.models()).as("the examples register models").isNotEmpty();
        assertThat(attributes("[data-section=models] article.item", "data-name"))
                .containsExactlyElementsOf(registry.models().stream().map(m -> m.info().label()).toList());
        for (dev.tessera.inference.RegisteredModel m : registry.models()) {
            assertThat(chromium.driver.findElement(By.cssSelector("article.item[data-name='" + m.info().label() + "']")).getText())
                    .contains(m.info().service(), m.info().format().yamlName(), m.info().owner());
        }
        chromium.screenshot("01-catalog");

        // a feature name finds its group, showing only that feature's row
        WebElement filter = chromium.driver.findElement(By.id("catalog-filter"));
        filter.sendKeys("top_merchants");
        chromium.until("the filter applied", d -> visible("article.item[data-kind=group]").size() == 1);
        assertThat(visible("article.item[data-kind=group]").get(0).getDomAttribute("data-name")).isEqualTo("account_payments");
        assertThat(visible("article.item[data-kind=group] tr[data-feature]")).extracting(e -> e.getDomAttribute("data-feature"))
                .containsExactly("account_payments.top_merchants");
        assertThat(visible("article.item[data-kind=service]")).extracting(e -> e.getDomAttribute("data-name"))
                .containsExactly("account_risk_v2");
        chromium.screenshot("02-catalog-filtered");
        filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        chromium.until("the filter cleared", d -> visible("article.item[data-kind=group]").size() == stack.defs.groups().size());
    }

    private static List<WebElement> visible(String css) {
        return all(css).stream().filter(WebElement::isDisplayed).toList();
    }

    // ---------------------------------------------------------------- lineage

    @Test
    @Order(2)
    void theLineageGraphDrawsTheServersLineageInColumnsAndHighlightsAPath() {
        JsonNode lineage = stack.get("/v1/catalog").json().get("lineage");
        open(stack.open, "#lineage");
        chromium.until("the lineage graph", d -> all("svg.lineage [data-id]").size() == lineage.get("nodes").size());

        Map<String, String> drawn = new LinkedHashMap<>();
        for (WebElement e : all("svg.lineage [data-id]")) {
            drawn.put(e.getDomAttribute("data-id"), e.getDomAttribute("data-type"));
        }
        Map<String, String> expectedNodes = new LinkedHashMap<>();
        lineage.get("nodes").forEach(n -> expectedNodes.put(n.get("id").textValue(), n.get("type").textValue()));
        assertThat(drawn).isEqualTo(expectedNodes);

        // flow edges are paths; group → feature is drawn as the feature's chip inside its group's card
        Set<List<String>> edges = new LinkedHashSet<>();
        for (WebElement e : all("svg.lineage path.edge")) {
            edges.add(List.of(e.getDomAttribute("data-from"), e.getDomAttribute("data-to")));
        }
        for (WebElement e : all("svg.lineage [data-type=feature]")) {
            edges.add(List.of(e.getDomAttribute("data-parent"), e.getDomAttribute("data-id")));
        }
        Set<List<String>> expectedEdges = new LinkedHashSet<>();
        lineage.get("edges").forEach(e -> expectedEdges.add(List.of(e.get("from").textValue(), e.get("to").textValue())));
        assertThat(edges).isEqualTo(expectedEdges);
        // and the same graph from the definitions
        for (Source s : stack.defs.sources().values()) {
            assertThat(edges).contains(List.of("topic:" + s.topic(), "source:" + s.name()));
        }
        for (FeatureGroup g : stack.defs.groups().values()) {
            assertThat(edges).contains(List.of("source:" + g.source(), "group:" + g.name()));
            for (String served : g.servedNames()) {
                assertThat(edges).contains(List.of("group:" + g.name(), "feature:" + g.name() + "." + served));
            }
        }
        for (FeatureService s : stack.defs.services().values()) {
            for (FeatureRef f : s.features()) {
                assertThat(edges).contains(List.of("feature:" + f.qualifiedName(), "service:" + s.name()));
            }
        }
        // columns by node type, left to right
        List<String> order = List.of("topic", "source", "group", "service", "model");
        for (int i = 1; i < order.size(); i++) {
            double rightOfPrevious = all("svg.lineage [data-type=" + order.get(i - 1) + "]").stream()
                    .mapToDouble(e -> e.getRect().getX() + e.getRect().getWidth()).max().orElseThrow();
            double leftOfThis = all("svg.lineage [data-type=" + order.get(i) + "]").stream()
                    .mapToDouble(e -> e.getRect().getX()).min().orElseThrow();
            assertThat(rightOfPrevious).as("%s left of %s", order.get(i - 1), order.get(i)).isLessThan(leftOfThis);
        }
        dev.tessera.inference.ModelRegistry registry = dev.tessera.inference.ModelRegistry.loadIfPresent(
                dev.tessera.inference.ModelRegistry.defaultFolder(ServingStack.FEATURES), stack.defs);
        for (dev.tessera.inference.RegisteredModel m : registry.models()) {
            assertThat(edges).contains(List.of("service:" + m.info().service(), "model:" + m.info().label()));
        }
        assertThat(all("svg.lineage [data-empty=model]")).as("no empty-model placeholder").isEmpty();
        chromium.screenshot("03-lineage");

        // clicking one served feature lights its path: upstream to its topic, downstream to the services reading it
        FeatureRef picked = new FeatureRef("account_payments", "declined_count_1h");
        FeatureGroup group = stack.defs.group(picked.group()).orElseThrow();
        Set<String> expectedLit = new TreeSet<>(List.of("topic:" + stack.defs.source(group.source()).orElseThrow().topic(),
                "source:" + group.source(), "group:" + group.name(), "feature:" + picked.qualifiedName()));
        Set<List<String>> expectedLitEdges = new LinkedHashSet<>(List.of(
                List.of("topic:commerce.payments", "source:payments"), List.of("source:payments", "group:account_payments")));
        for (FeatureService s : stack.defs.services().values()) {
            if (s.features().contains(picked)) {
                expectedLit.add("service:" + s.name());
                expectedLitEdges.add(List.of("feature:" + picked.qualifiedName(), "service:" + s.name()));
                for (dev.tessera.inference.RegisteredModel m : registry.models()) {
                    if (m.info().service().equals(s.name())) {
                        expectedLit.add("model:" + m.info().label());
                        expectedLitEdges.add(List.of("service:" + s.name(), "model:" + m.info().label()));
                    }
                }
            }
        }
        assertThat(expectedLit).contains("service:account_risk_v1", "service:account_risk_v2");
        new Actions(chromium.driver).click(chromium.driver.findElement(By.cssSelector("[data-id='feature:" + picked.qualifiedName() + "']")))
                .perform();
        chromium.until("the path lit", d -> !all("svg.lineage.focus").isEmpty());
        Set<String> lit = new TreeSet<>(attributes("svg.lineage [data-id].lit", "data-id"));
        assertThat(lit).isEqualTo(expectedLit);
        Set<List<String>> litEdges = new LinkedHashSet<>();
        for (WebElement e : all("svg.lineage path.edge.lit")) {
            litEdges.add(List.of(e.getDomAttribute("data-from"), e.getDomAttribute("data-to")));
        }
        assertThat(litEdges).containsExactlyInAnyOrderElementsOf(expectedLitEdges);
        assertThat(chromium.driver.findElement(By.cssSelector(".lineage-info")).getText())
                .contains("feature account_payments.declined_count_1h", "count where status == 'DECLINED' over 1h",
                        "services account_risk_v1, account_risk_v2");
        chromium.screenshot("04-lineage-path");
    }

    // ---------------------------------------------------------------- sources

    @Test
    @Order(3)
    void theSourcesTabChartsEachSourcesHistory() {
        open(stack.open, "#sources");
        String line = "article.source-card[data-source=payments] figure[data-chart=throughput] path.line[data-series=accepted]";
        chromium.until("a throughput line of several points", d -> {
            List<WebElement> l = all(line);
            return !l.isEmpty() && Integer.parseInt(l.get(0).getDomAttribute("data-points")) >= 5;
        });
        assertThat(attributes("article.source-card", "data-source")).containsExactlyElementsOf(stack.runtime.sources());
        String d = chromium.driver.findElement(By.cssSelector(line)).getDomAttribute("d");
        assertThat(d.split("[ML]").length - 1).as("points in %s", d).isGreaterThanOrEqualTo(5);
        for (String chart : List.of("freshness", "throughput", "rejects", "lag")) {
            assertThat(all("article.source-card[data-source=payments] figure[data-chart=" + chart + "] svg")).as(chart).hasSize(1);
        }
        WebElement payments = chromium.driver.findElement(By.cssSelector("article.source-card[data-source=payments]"));
        assertThat(payments.findElement(By.cssSelector("[data-stat=freshness] .value")).getText()).endsWith(" s").doesNotContain("—");
        assertThat(payments.findElement(By.cssSelector(".outcomes")).getText()).contains("2 malformed", "1 duplicate");
        // the fields the features read, each present in as many of the decoded events as the node counted
        JsonNode diagnosed = null;
        for (JsonNode src : stack.get("/v1/diagnostics").json().get("sources")) {
            diagnosed = src.get("source").asText().equals("payments") ? src.get("fields") : diagnosed;
        }
        assertThat(diagnosed).isNotNull();
        List<String> fields = new ArrayList<>();
        diagnosed.forEach(f -> fields.add(f.get("field").asText()));
        assertThat(attributes("article.source-card[data-source=payments] details.fields-read tr[data-field]", "data-field"))
                .containsExactlyElementsOf(fields).contains("amount", "status", "card_fingerprint");
        payments.findElement(By.cssSelector("details.fields-read summary")).click();
        WebElement amount = payments.findElement(By.cssSelector("details.fields-read tr[data-field=amount]"));
        assertThat(amount.getText()).contains("100.0 % of 10", "account_payments.amount_sum (of)");
        assertThat(all("article.source-card details.fields-read [data-absent]")).isEmpty();
        // the view refreshes every few seconds: what the reader opened stays open
        chromium.until("the sources view refreshed", page -> {
            try {
                payments.isDisplayed();
                return false;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return true; // the card was drawn again
            }
        });
        assertThat(chromium.driver.findElement(By.cssSelector("article.source-card[data-source=payments] details.fields-read"))
                .getDomProperty("open")).isEqualTo("true");
        assertThat(chromium.driver.findElement(By.cssSelector("#view-sources")).getText())
                .contains("Not consumed by this node (no feature group reads them): " + String.join(", ", stack.defs.sources().keySet().stream()
                        .filter(src -> !stack.runtime.sources().contains(src)).toList()));
        chromium.screenshot("05-sources");
    }

    /** Drift bins' axis labels: a bound's number compacted so it is not cut off; other labels cut with an ellipsis. */
    @Test
    @Order(3)
    void binLabelsKeepTheirNumbersReadable() {
        open(stack.open, "#catalog");
        chromium.until("the console", d -> d.findElement(By.id("catalog-filter")));
        Object labels = chromium.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " import('/console/charts.js').then((m) => done(['<= 2,789.53', '> 1074.2', '<= 0.05', '<= 12', 'a very long label']"
                + ".map(m.shortBinLabel)));");
        assertThat(labels).isEqualTo(List.of("<= 2.79k", "> 1.07k", "<= 0.05", "<= 12", "a very l…"));
    }

    // ---------------------------------------------------------------- quality

    @Test
    @Order(4)
    void theQualityTabSaysWhenTheServerDoesNotMonitor() {
        ServingApi unmonitored = ServingApi.builder(stack.defs, stack.runtime.reader()).build(); // no quality monitor
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, unmonitored)) {
            open(server, "#quality");
            chromium.until("the not-available notices", d -> all("#view-quality [data-notice=unavailable]").size() == 2);
            assertThat(chromium.driver.findElement(By.cssSelector("#view-quality")).getText())
                    .contains("Alerts are not available on this server", "Quality checks are not available on this server");
            assertThat(chromium.driver.findElement(By.id("alert-banner")).isDisplayed()).isFalse();
            chromium.screenshot("06-quality-not-available");
        }
    }

    /**
     * The real monitor over the examples' rules: a payment with a negative amount and an unknown
     * status breaks two of them; the Quality tab shows what {@code GET /v1/quality} and
     * {@code GET /v1/alerts} say (compared with the API's answers, not with fixed text), and the
     * alert banner shows on every tab.
     */
    @Test
    @Order(5)
    void theQualityTabShowsTheMonitorsRulesDriftAndAlertsAndTheBannerShowsOnEveryTab() throws Exception {
        long now = System.currentTimeMillis();
        stack.produce("payments", "acct-bad", List.of(NaiveFeatures.json(payment("cp-bad", "acct-bad", "card-7", "m-1", -25,
                "PENDING", "DE", now - 30 * SECOND))));
        stack.awaitCount("payments", "accepted", payments.size() + 1);
        JsonNode judged = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) { // the monitor judges every 100 ms
            judged = stack.get("/v1/quality").json();
            if (ruleStatus(judged, "source payments, field amount", "min").equals("violated")
                    && ruleStatus(judged, "source payments, field status", "allowed").equals("violated")) {
                break;
            }
            Thread.sleep(50);
        }
        JsonNode quality = judged;
        assertThat(ruleStatus(quality, "source payments, field amount", "min")).isEqualTo("violated");
        JsonNode alerts = stack.get("/v1/alerts").json();
        List<String> firing = new ArrayList<>();
        alerts.get("firing").forEach(a -> firing.add(a.get("id").asText()));
        assertThat(firing).contains("quality_rule/payments.amount/min", "quality_rule/payments.status/allowed");

        open(stack.open, "#quality");
        chromium.until("the rules table", d -> all("#view-quality table.rules tr[data-rule]").size() == quality.get("rules").size());
        WebElement banner = chromium.until("the alert banner", d -> {
            WebElement b = d.findElement(By.id("alert-banner"));
            return b.isDisplayed() ? b : null;
        });
        // counts are not compared: a freshness alert may start between the API's answer and the page's
        assertThat(banner.getText()).contains("firing", "quality_rule", "source payments, field amount").doesNotContain("payments.amount: source");
        List<String> shownViolated = all("#view-quality table.rules tr.st-violated").stream()
                .map(e -> e.getDomAttribute("data-rule")).toList();
        List<String> apiViolated = new ArrayList<>();
        quality.get("rules").forEach(r -> {
            if (r.get("status").asText().equals("violated")) {
                apiViolated.add(r.get("target").asText() + "/" + r.get("rule").asText());
            }
        });
        assertThat(shownViolated).containsExactlyInAnyOrderElementsOf(apiViolated);
        assertThat(chromium.driver.findElement(By.cssSelector("#view-quality tr[data-rule='source payments, field amount/min']")).getText())
                .contains(">= 0", "-25");
        assertThat(attributes("#view-quality table.rules tr[data-rule] [data-status]", "data-status").get(0))
                .as("violated rules first").isEqualTo("violated");
        assertThat(all("#view-quality tr[data-collecting]").size() + all("#view-quality .drift-card").size())
                .as("every served feature has a drift entry").isEqualTo(quality.get("drift").size());
        assertThat(chromium.driver.findElement(By.cssSelector("#view-quality .alert.firing")).getText())
                .contains("quality_rule", "docs/runbooks/quality_rule.md");
        assertThat(chromium.driver.findElement(By.cssSelector("#view-quality .stats")).getText())
                .contains("Alerts firing\n", "Rules violated\n" + apiViolated.size() + " of " + quality.get("rules").size());
        chromium.screenshot("07-quality");

        chromium.driver.findElement(By.cssSelector("nav.side a[data-view=lookup]")).click();
        chromium.until("the lookup view", d -> d.findElement(By.id("lookup-key")).isDisplayed());
        assertThat(chromium.driver.findElement(By.id("alert-banner")).isDisplayed()).as("the banner on another tab").isTrue();
        chromium.screenshot("08-alert-banner-on-lookup");
    }

    private static String ruleStatus(JsonNode quality, String target, String rule) {
        for (JsonNode r : quality.get("rules")) {
            if (r.get("target").asText().equals(target) && r.get("rule").asText().equals(rule)) {
                return r.get("status").asText();
            }
        }
        return "absent";
    }

    // ---------------------------------------------------------------- lookup

    // ---------------------------------------------------------------- models

    /**
     * The examples' models and their experiment, after 40 scores sent through the API: the Models tab
     * shows every model {@code GET /v1/models} lists and, per variant, the share, status and request
     * count {@code GET /v1/experiments} reports, and the requests add up to the scores sent.
     */
    @Test
    @Order(6)
    void theModelsTabShowsTheRegistryAndTheExperimentsVariants() throws Exception {
        for (int i = 0; i < 40; i++) {
            Reply r = stack.post("/v1/score/account_risk", "application/json", "{\"entity\": {\"account_id\": \"acct-" + i + "\"}}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
        open(stack.open, "#models");
        chromium.until("the experiment's variants", d -> !d.findElements(By.cssSelector("article[data-experiment] tr[data-variant]")).isEmpty());
        JsonNode models = stack.get("/v1/models").json().get("models");
        JsonNode experiments = stack.get("/v1/experiments").json().get("experiments");
        List<String> listed = new ArrayList<>();
        for (JsonNode m : models) {
            listed.add(m.get("name").asText() + "/" + m.get("version").asInt());
        }
        assertThat(attributes("table.models tr[data-model]", "data-model")).containsExactlyElementsOf(listed);
        assertThat(experiments).isNotEmpty();
        long requests = 0;
        for (JsonNode x : experiments) {
            String card = "article[data-experiment='" + x.get("name").asText() + "'] ";
            assertThat(all(card)).hasSize(1);
            assertThat(chromium.driver.findElement(By.cssSelector(card + "header")).getText()).contains("model " + x.get("model").asText());
            for (JsonNode v : x.get("variants")) {
                String row = card + "tr[data-variant='" + v.get("name").asText() + "']";
                WebElement tr = chromium.driver.findElement(By.cssSelector(row));
                assertThat(tr.getDomAttribute("data-status")).isEqualTo(v.get("status").asText());
                assertThat(new java.math.BigDecimal(tr.findElement(By.cssSelector("[data-share]")).getDomAttribute("data-share")))
                        .isEqualByComparingTo(v.get("share").decimalValue());
                assertThat(Long.parseLong(tr.findElement(By.cssSelector("[data-requests]")).getDomAttribute("data-requests")))
                        .isEqualTo(v.get("requests").asLong());
                assertThat(tr.getText()).contains("v" + v.get("version").asInt());
                requests += v.get("requests").asLong();
            }
        }
        assertThat(requests).as("every score counted in one variant").isEqualTo(40);
        chromium.screenshot("08b-models");

        // a node without models says so
        ServingApi none = ServingApi.builder(stack.defs, stack.runtime.reader()).build();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, none)) {
            open(server, "#models");
            chromium.until("the not-available notice", d -> !d.findElements(By.cssSelector("#view-models [data-notice=unavailable]")).isEmpty());
            assertThat(chromium.driver.findElement(By.cssSelector("#view-models")).getText()).contains("No models on this node");
        }
    }

    @Test
    @Order(7)
    void aGroupLookupShowsTheValuesTheApiServes() throws Exception {
        open(stack.open, "#lookup");
        WebElement key = chromium.until("the lookup form", d -> d.findElement(By.id("lookup-key")));
        new Select(chromium.driver.findElement(By.id("lookup-name"))).selectByValue("account_payments");
        key.sendKeys("acct-1", Keys.ENTER);
        WebElement result = chromium.until("the lookup result", d -> d.findElement(By.cssSelector(".lookup-result")));
        JsonNode api = stack.get("/v1/features/account_payments/acct-1").json();

        assertThat(result.getDomAttribute("data-found")).isEqualTo("true");
        assertThat(result.findElement(By.cssSelector(".pill")).getText()).isEqualTo("found");
        assertSameValues(shownValues(), api.get("features"));
        long shownAsOf = Long.parseLong(result.getDomAttribute("data-as-of"));
        assertThat(shownAsOf).isBetween(api.get("metadata").get("as_of").longValue() - 60_000, api.get("metadata").get("as_of").longValue());
        assertThat(result.getText()).contains("account_id = acct-1", "as of", "freshness");
        assertThat(chromium.driver.getCurrentUrl()).endsWith("#lookup/group/account_payments/acct-1");
        chromium.screenshot("09-lookup-group");

        // the deep link repeats the lookup
        chromium.driver.navigate().refresh();
        chromium.until("the deep-linked result", d -> !d.findElements(By.cssSelector(".lookup-result[data-found=true]")).isEmpty());
    }

    @Test
    @Order(8)
    void aServiceLookupShowsTheBatchReadsValues() {
        open(stack.open, "#lookup");
        chromium.until("the lookup form", d -> d.findElement(By.id("lookup-key")));
        chromium.driver.findElement(By.cssSelector(".seg input[value=service]")).findElement(By.xpath("..")).click();
        new Select(chromium.driver.findElement(By.id("lookup-name"))).selectByValue("account_risk_v1");
        chromium.driver.findElement(By.id("lookup-key")).sendKeys("acct-1");
        chromium.driver.findElement(By.id("lookup-go")).click();
        chromium.until("the service result", d -> !d.findElements(By.cssSelector(".lookup-result[data-found=true]")).isEmpty());
        JsonNode api = stack.post("/v1/features", ServingStack.JSON,
                "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"acct-1\"}]}").json();
        JsonNode features = api.get("results").get(0).get("features");
        assertThat(Reply.fieldNames(features)).containsExactlyElementsOf(
                stack.defs.service("account_risk_v1").orElseThrow().features().stream().map(FeatureRef::qualifiedName).toList());
        assertSameValues(shownValues(), features);
        chromium.screenshot("10-lookup-service");
    }

    @Test
    @Order(9)
    void anUnknownAccountIsShownAsNotFound() {
        open(stack.open, "#lookup/group/account_payments/nobody-at-all");
        WebElement result = chromium.until("the not-found result",
                d -> d.findElements(By.cssSelector(".lookup-result[data-found=false]")).stream().findFirst().orElse(null));
        assertThat(result.findElement(By.cssSelector(".pill")).getText()).isEqualTo("not found");
        JsonNode api = stack.get("/v1/features/account_payments/nobody-at-all").json();
        assertThat(api.get("found").booleanValue()).isFalse();
        assertSameValues(shownValues(), api.get("features"));
        chromium.screenshot("11-lookup-not-found");
    }

    @Test
    @Order(9)
    void aLinkToAMistypedGroupSaysSoAndOffersTheClosestName() {
        open(stack.open, "#lookup/group/acount_payments/acct-1");
        WebElement shown = chromium.until("the unknown-group notice",
                d -> d.findElements(By.cssSelector("#lookup-result .notice.error")).stream().findFirst().orElse(null));
        assertThat(shown.getText()).contains("No group named \"acount_payments\"").contains("Did you mean account_payments?");
        assertThat(all("#lookup-result .lookup-result")).isEmpty();
        chromium.screenshot("11b-lookup-mistyped-group");

        shown.findElement(By.linkText("account_payments")).click();
        chromium.until("the suggested group's lookup", d -> !all(".lookup-result[data-found=true]").isEmpty());
        assertThat(new Select(chromium.driver.findElement(By.id("lookup-name"))).getFirstSelectedOption().getText()).isEqualTo("account_payments");
        assertThat(chromium.driver.getCurrentUrl()).endsWith("#lookup/group/account_payments/acct-1");

        // a mistyped service: the form above lists the services, the list the notice points at
        String service = stack.defs.services().keySet().iterator().next();
        open(stack.open, "#lookup/service/x" + service + "/acct-1");
        chromium.until("the unknown-service notice", d -> d.findElement(By.cssSelector("#lookup-result .notice.error")).getText()
                .contains("No service named"));
        assertThat(chromium.driver.findElement(By.cssSelector("input[name=kind]:checked")).getDomAttribute("value")).isEqualTo("service");
        assertThat(new Select(chromium.driver.findElement(By.id("lookup-name"))).getOptions()).extracting(WebElement::getText)
                .containsExactlyElementsOf(stack.defs.services().keySet());
    }

    /** Feature name → value as the page holds it (data-value, the API's JSON re-encoded by the page), in page order. */
    private static Map<String, JsonNode> shownValues() {
        Map<String, JsonNode> shown = new LinkedHashMap<>();
        for (WebElement row : all(".lookup-result tr[data-feature]")) {
            try {
                shown.put(row.getDomAttribute("data-feature"),
                        JSON.readTree(row.findElement(By.cssSelector("td.value")).getDomAttribute("data-value")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return shown;
    }

    private static void assertSameValues(Map<String, JsonNode> shown, JsonNode api) {
        assertThat(shown.keySet()).containsExactlyElementsOf(Reply.fieldNames(api));
        for (Map.Entry<String, JsonNode> e : shown.entrySet()) {
            assertThat(e.getValue().equals(SAME_VALUE, api.get(e.getKey())))
                    .as("%s: shown %s, served %s", e.getKey(), e.getValue(), api.get(e.getKey())).isTrue();
        }
    }

    // ---------------------------------------------------------------- tokens

    @Test
    @Order(10)
    void onASecuredServerTheConsoleAsksForATokenAndWorksWithTheReadToken() {
        open(stack.secured, "#catalog");
        WebElement input = chromium.until("the token dialog", d -> {
            WebElement dialog = d.findElement(By.id("token-dialog"));
            return dialog.getDomAttribute("open") != null ? d.findElement(By.id("token-input")) : null;
        });
        assertThat(chromium.driver.findElement(By.cssSelector("#token-dialog .reason")).getText()).contains("needs a bearer token");
        chromium.screenshot("12-token-asked");

        input.sendKeys("not-the-token-at-all", Keys.ENTER);
        chromium.until("the token refused", d ->
                d.findElement(By.cssSelector("#token-dialog .reason")).getText().contains("not accepted"));
        chromium.driver.findElement(By.id("token-input")).sendKeys(ServingStack.READ_TOKEN, Keys.ENTER);
        chromium.until("the catalog with the token", d -> all("article.item[data-kind=group]").size() == stack.defs.groups().size());
        assertThat(chromium.driver.executeScript("return sessionStorage.getItem('tessera.token')")).isEqualTo(ServingStack.READ_TOKEN);
        assertThat(chromium.driver.findElement(By.id("token-dialog")).getDomAttribute("open")).isNull();
        chromium.screenshot("13-secured-catalog");

        // the token carries over to the other views of the tab
        chromium.driver.findElement(By.cssSelector("nav.side a[data-view=sources]")).click();
        chromium.until("the secured history", d -> !all("article.source-card[data-source=payments] path.line").isEmpty());
        assertThat(chromium.driver.findElement(By.id("token-dialog")).getDomAttribute("open")).isNull();
    }

    // ---------------------------------------------------------------- a node without a runtime

    @Test
    @Order(11)
    void aNodeWithoutAStreamRuntimeSaysItHasNoSourceHistory() {
        ServingApi stateless = ServingApi.builder(stack.defs, stack.runtime.reader()).build(); // as tessera serve: no history
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, stateless)) {
            open(server, "#sources");
            WebElement notice = chromium.until("the no-history notice",
                    d -> d.findElements(By.cssSelector("#view-sources [data-notice=unavailable]")).stream().findFirst().orElse(null));
            assertThat(notice.getText()).contains("No source history on this node", "no stream runtime");
            chromium.screenshot("14-sources-stateless");
            // the rest of the console works as usual
            chromium.driver.findElement(By.cssSelector("nav.side a[data-view=lineage]")).click();
            chromium.until("the lineage graph", d -> !all("svg.lineage [data-id]").isEmpty());
        }
    }
}
