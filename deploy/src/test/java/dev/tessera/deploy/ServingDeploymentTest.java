package dev.tessera.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.cli.TesseraCommand;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import dev.tessera.store.InMemoryTileStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The serving Deployment against the real `tessera serve` options, its image and the HTTP server's endpoints. */
class ServingDeploymentTest {
    private static final String JAR = "/opt/tessera/tessera-cli.jar";

    private final Deployment deployment = DeployTree.find(Deployment.class, "tessera-serving");
    private final PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    private final Container container = pod.getContainers().get(0);
    private final ParseResult serve = parse(container.getArgs());

    @Test
    void argsParseAsTesseraServeBehindTheImageEntrypoint() {
        assertThat(pod.getContainers()).hasSize(1);
        assertThat(container.getCommand()).as("no command: the image's ENTRYPOINT runs the CLI").isEmpty();
        assertThat(DeployTree.dockerfile("Dockerfile.serving").entrypoint()).first().isEqualTo("java");
        assertThat(DeployTree.dockerfile("Dockerfile.serving").entrypoint()).endsWith("-jar", JAR);
        assertThat(DeployTree.dockerfile("Dockerfile.serving").copyTargets("cli/target/tessera-cli.jar")).containsExactly(JAR);
        assertThat(DeployTree.dockerfile("Dockerfile.serving").copyTargets("cli/target/lib/"))
                .as("the jar's manifest class path is lib/ beside it").containsExactly(Path.of(JAR).getParent() + "/lib/");

        assertThat(serve.commandSpec().name()).isEqualTo("serve");
        assertThat(serve.unmatched()).isEmpty();
        assertThat(serve.<String>matchedOptionValue("--host", null)).as("a pod must listen on every interface").isEqualTo("0.0.0.0");
    }

    @Test
    void probesAskTheServedPort() {
        int port = serve.matchedOptionValue("--port", 8080);
        ContainerPort http = container.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow();
        assertThat(http.getContainerPort()).isEqualTo(port);

        for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())) {
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get).isNotNull();
            assertThat(get.getPort().getStrVal() != null ? get.getPort().getStrVal() : String.valueOf(get.getPort().getIntVal()))
                    .isIn("http", String.valueOf(port));
        }
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(container.getLivenessProbe().getHttpGet().getPath())
                .as("liveness must not follow Redis: an outage would restart every node").isNotEqualTo("/health");
        assertThat(container.getStartupProbe().getHttpGet().getPath()).isNotEqualTo("/health");

        Service service = DeployTree.find(Service.class, "tessera-serving");
        ServicePort servicePort = service.getSpec().getPorts().get(0);
        assertThat(servicePort.getTargetPort().getStrVal()).isEqualTo(http.getName());
    }

    /**
     * What the probes see on a real server with authentication on: the readiness path follows the
     * store's health (200, then 503 while it fails), the startup and liveness path stays 200, and
     * neither needs a token.
     */
    @Test
    void probePathsBehaveOnARealServer() throws Exception {
        Definitions defs = DefinitionLoader.load(DeployTree.root().resolve("examples/commerce"));
        AtomicBoolean storeUp = new AtomicBoolean(true);
        ServingApi api = ServingApi.builder(defs, new StoreFeatureReader(defs, new InMemoryTileStore()))
                .tokens(Tokens.parse("read:probe-test-token", "the test"))
                .health(() -> new ServingApi.Health(storeUp.get(), Map.of("store", storeUp.get() ? "reachable" : "unavailable")))
                .build();
        String readiness = container.getReadinessProbe().getHttpGet().getPath();
        String liveness = container.getLivenessProbe().getHttpGet().getPath();
        String startup = container.getStartupProbe().getHttpGet().getPath();
        HttpClient client = HttpClient.newHttpClient();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api)) {
            String base = "http://127.0.0.1:" + server.port();
            assertThat(status(client, base + "/v1/features")).as("authentication is on").isEqualTo(401);
            assertThat(status(client, base + readiness)).isEqualTo(200);
            assertThat(status(client, base + liveness)).isEqualTo(200);
            assertThat(status(client, base + startup)).isEqualTo(200);

            storeUp.set(false);
            assertThat(status(client, base + readiness)).isEqualTo(503);
            assertThat(status(client, base + liveness)).isEqualTo(200);
            assertThat(status(client, base + startup)).isEqualTo(200);
        }
    }

    @Test
    void featuresComeFromTheConfigMapMount() {
        String features = serve.matchedOptionValue("--features", Path.of("features")).toString();
        Volume volume = volumeMountedAt(features);
        assertThat(volume.getConfigMap()).as("--features is a mounted ConfigMap").isNotNull();
        assertThat(DeployTree.find(ConfigMap.class, volume.getConfigMap().getName()).getData()).isNotEmpty();
    }

    @Test
    void tokensComeFromASecretFile() {
        Path tokens = serve.matchedOptionValue("--tokens-file", (Path) null);
        assertThat(tokens).as("a pod serving 0.0.0.0 must have authentication on").isNotNull();
        Volume volume = volumeMountedAt(tokens.getParent().toString());
        assertThat(volume.getSecret()).isNotNull();
        assertThat(volume.getSecret().getOptional()).as("a missing Secret must stop the pod, not turn authentication off")
                .isNotEqualTo(Boolean.TRUE);
        assertThat(volume.getSecret().getItems()).anySatisfy(item -> assertThat(item.getPath()).isEqualTo(tokens.getFileName().toString()));
    }

    @Test
    void readsTheRedisServiceUnderTheFlinkJobsNamespace() {
        List<String> redis = serve.matchedOptionValue("--redis", List.of());
        assertThat(redis).singleElement().satisfies(uri -> assertThat(uri).isEqualTo(RedisService.uri()));
        assertThat(serve.<String>matchedOptionValue("--redis-namespace", "tessera:")).isEqualTo(FlinkDeploymentTest.jobOptions().redisNamespace);
    }

    @Test
    void scalesHorizontallyAndKeepsOneNodeThroughDisruptions() {
        assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        PodDisruptionBudget budget = DeployTree.find(PodDisruptionBudget.class, "tessera-serving");
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isBetween(1, deployment.getSpec().getReplicas() - 1);
        HorizontalPodAutoscaler hpa = DeployTree.find(HorizontalPodAutoscaler.class, "tessera-serving");
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
    }

    @Test
    void runsAsTheImagesUserWithAWritableTmp() {
        assertThat(String.valueOf(pod.getSecurityContext().getRunAsUser()))
                .isEqualTo(DeployTree.dockerfile("Dockerfile.serving").only("USER"));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(volumeMountedAt("/tmp").getEmptyDir()).as("the JVM and Netty's native transport write to /tmp").isNotNull();
    }

    private Volume volumeMountedAt(String path) {
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume is mounted at " + path + " in " + container.getName()));
        return pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume named " + mount.getName()));
    }

    private static ParseResult parse(List<String> args) {
        ParseResult top = new CommandLine(new TesseraCommand()).parseArgs(args.toArray(String[]::new));
        assertThat(top.hasSubcommand()).as("args start with a subcommand").isTrue();
        return top.subcommand();
    }

    private static int status(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
