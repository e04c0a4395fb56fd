package dev.tessera.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.flink.FlinkJobOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.node.ObjectNode;

/** The FlinkDeployment against the operator's CRD schema, the job's real options, and the job image. */
class FlinkDeploymentTest {
    private static final String JOB_JAR = "flink/target/tessera-flink-job.jar";
    private static final String OPERATOR_PREFIX = "kubernetes.operator.";

    private final Manifest manifest = DeployTree.find(DeployTree.FLINK_DEPLOYMENT, "tessera-flink");
    private final GenericKubernetesResource flink = manifest.as(GenericKubernetesResource.class);
    private final FlinkDeploymentSchema schema = FlinkDeploymentSchema.forApiVersion(flink.getApiVersion());

    /** The job's options as the FlinkDeployment passes them, parsed and validated like the job's main does. */
    static FlinkJobOptions jobOptions() {
        GenericKubernetesResource flink = DeployTree.find(DeployTree.FLINK_DEPLOYMENT, "tessera-flink").as(GenericKubernetesResource.class);
        List<String> args = flink.get("spec", "job", "args");
        FlinkJobOptions options = new FlinkJobOptions();
        new CommandLine(options).parseArgs(args.toArray(String[]::new));
        options.validate();
        return options;
    }

    @Test
    void matchesTheOperatorsSchema() {
        assertThat(DeployTree.rootPomProperty("flink.operator.version"))
                .as("the operator API the schema comes from (revisit FlinkDeploymentSchema's notes when it changes)")
                .isEqualTo(FlinkDeploymentSchema.OPERATOR_VERSION);
        assertThat(schema.validate(manifest.tree())).isEmpty();
    }

    @Test
    void theSchemaRefusesAMisspeltField() {
        ObjectNode broken = (ObjectNode) manifest.tree().deepCopy();
        ObjectNode job = (ObjectNode) broken.get("spec").get("job");
        job.set("upgradeMod", job.remove("upgradeMode"));

        assertThat(schema.validate(broken)).anySatisfy(e -> assertThat(e).contains("upgradeMod").startsWith("/spec/job"));
    }

    @Test
    void theSchemaRefusesAMisspeltFieldInThePodTemplate() {
        ObjectNode broken = (ObjectNode) manifest.tree().deepCopy();
        ObjectNode container = (ObjectNode) broken.at("/spec/podTemplate/spec/containers/0");
        container.set("volumeMount", container.remove("volumeMounts"));

        assertThat(schema.validate(broken)).anySatisfy(e -> assertThat(e).contains("volumeMount"));
    }

    @Test
    void theSchemaRefusesAnUnknownUpgradeModeOrFlinkVersion() {
        ObjectNode broken = (ObjectNode) manifest.tree().deepCopy();
        ((ObjectNode) broken.get("spec").get("job")).put("upgradeMode", "sometimes");
        ((ObjectNode) broken.get("spec")).put("flinkVersion", "v2_9");

        assertThat(schema.validate(broken)).hasSize(2)
                .anySatisfy(e -> assertThat(e).contains("upgradeMode"))
                .anySatisfy(e -> assertThat(e).contains("flinkVersion"));
    }

    @Test
    void flinkVersionIsTheBuildsAndTheImages() {
        String[] version = DeployTree.rootPomProperty("flink.version").split("\\.");
        String flinkVersion = flink.get("spec", "flinkVersion");

        assertThat(flinkVersion).isEqualTo("v" + version[0] + "_" + version[1]);
        assertThat(schema.flinkVersions()).contains(flinkVersion);
        assertThat(DeployTree.dockerfile("Dockerfile.flink").only("FROM"))
                .isEqualTo("flink:" + DeployTree.rootPomProperty("flink.version") + "-java17");
    }

    @Test
    void theJarIsWhereTheImagePutsIt() {
        String jarUri = flink.get("spec", "job", "jarURI");
        assertThat(jarUri).startsWith("local://");
        assertThat(DeployTree.dockerfile("Dockerfile.flink").copyTargets(JOB_JAR)).containsExactly(jarUri.substring("local://".length()));
        assertThat(jarUri).startsWith("local:///opt/flink/usrlib/");
        assertThat((String) flink.get("spec", "job", "entryClass")).isEqualTo("dev.tessera.flink.FlinkJob");
    }

    @Test
    void argsParseAsTheJobsOptions() {
        FlinkJobOptions options = jobOptions();

        assertThat(options.redis).containsExactly(RedisService.uri());
        assertThat(options.redisCluster).isFalse();
        assertThat(options.bounded).as("a deployed job runs until stopped").isFalse();
        int parallelism = ((Number) flink.get("spec", "job", "parallelism")).intValue();
        assertThat(options.parallelism).as("--parallelism 0 takes job.parallelism, or they must agree").isIn(0, parallelism);
        assertThat(options.bootstrapServers).isNotBlank();
    }

    @Test
    void featuresComeFromTheConfigMapMountInThePodTemplate() {
        PodSpec pod = podTemplate().getSpec();
        Container main = pod.getContainers().stream().filter(c -> c.getName().equals("flink-main-container")).findFirst()
                .orElseThrow(() -> new AssertionError("the operator merges the pod template's container named flink-main-container"));
        String features = jobOptions().features.toString();
        VolumeMount mount = main.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(features)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at --features " + features));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getConfigMap()).isNotNull();
        assertThat(DeployTree.find(ConfigMap.class, volume.getConfigMap().getName()).getData()).isNotEmpty();
    }

    @Test
    void checkpointsUpgradesAndRestartsAreConfigured() {
        Map<String, String> conf = flink.get("spec", "flinkConfiguration");
        String upgradeMode = flink.get("spec", "job", "upgradeMode");

        assertThat(upgradeMode).as("stateless would drop the tiles' state on every upgrade").isIn("savepoint", "last-state");
        assertThat(conf).containsEntry("state.backend.type", "hashmap")
                .containsKey("execution.checkpointing.dir")
                .containsEntry("restart-strategy.type", "exponential-delay");
        if (upgradeMode.equals("savepoint")) {
            assertThat(conf).containsKey("execution.checkpointing.savepoint-dir");
        }
        assertThat(conf).containsEntry("high-availability.type", "kubernetes").containsKey("high-availability.storageDir");
        boolean s3 = conf.values().stream().anyMatch(v -> v.startsWith("s3://"));
        if (s3) {
            assertThat(DeployTree.dockerfile("Dockerfile.flink").all("RUN"))
                    .as("s3:// paths need the S3 file system plugin in the image").anySatisfy(r -> assertThat(r).contains("flink-s3-fs"));
        }
    }

    /**
     * Every key is one Flink 2 reads (by its current name: Flink 2 dropped many old ones) and every
     * value parses as that option's type. The operator's own keys are not known here.
     */
    private static final String REPORTER_PREFIX = "metrics.reporter.";

    @Test
    void flinkConfigurationKeysAreCurrentFlinkOptionsWithValuesThatParse() {
        Map<String, String> conf = flink.get("spec", "flinkConfiguration");
        Map<String, ConfigOption<?>> options = FlinkOptions.byKey();
        Configuration parsed = Configuration.fromMap(conf);

        assertThat(options).as("the option scan found Flink's options").containsKeys("state.backend.type", "parallelism.default");
        List<String> problems = new ArrayList<>();
        conf.keySet().stream().filter(k -> !k.startsWith(OPERATOR_PREFIX)).forEach(key -> {
            if (key.startsWith(REPORTER_PREFIX)) {
                reporterOption(key, conf.get(key), problems);
                return;
            }
            if (!options.containsKey(key)) {
                problems.add(key + ": Flink " + DeployTree.rootPomProperty("flink.version") + " has no such option");
                return;
            }
            try {
                parsed.get(options.get(key));
            } catch (RuntimeException e) {
                problems.add(key + ": " + e.getMessage());
            }
        });
        assertThat(problems).isEmpty();
    }

    /**
     * {@code metrics.reporter.<name>.<option>}: the factory is a class on the classpath of the
     * reporter's own artifact (flink-metrics-prometheus) that Flink would load; the port a port or a range.
     */
    private static void reporterOption(String key, String value, List<String> problems) {
        String option = key.substring(key.indexOf('.', REPORTER_PREFIX.length()) + 1);
        if (option.equals(org.apache.flink.configuration.MetricOptions.REPORTER_FACTORY_CLASS.key())) {
            try {
                Class<?> c = Class.forName(value);
                if (!org.apache.flink.metrics.reporter.MetricReporterFactory.class.isAssignableFrom(c)) {
                    problems.add(key + ": " + value + " is not a MetricReporterFactory");
                }
            } catch (ClassNotFoundException e) {
                problems.add(key + ": no class " + value);
            }
        } else if (option.equals("port")) {
            if (!value.matches("\\d{1,5}(-\\d{1,5})?")) {
                problems.add(key + ": '" + value + "' is not a port or a port range");
            }
        } else {
            problems.add(key + ": not a reporter option this test knows");
        }
    }

    @Test
    void theJobManagerMayManageItsPods() {
        String account = flink.get("spec", "serviceAccount");
        DeployTree.find(ServiceAccount.class, account);
        RoleBinding binding = DeployTree.manifests().stream().filter(m -> m.kind().equals("RoleBinding")).map(m -> m.as(RoleBinding.class))
                .filter(b -> b.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount") && s.getName().equals(account)))
                .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding for " + account));
        Role role = DeployTree.find(Role.class, binding.getRoleRef().getName());
        List<String> resources = role.getRules().stream().map(PolicyRule::getResources).flatMap(List::stream).toList();
        assertThat(resources).contains("pods", "configmaps", "deployments");
    }

    private Pod podTemplate() {
        Map<String, Object> template = flink.get("spec", "podTemplate");
        KubernetesSerialization k8s = new KubernetesSerialization();
        return k8s.convertValue(template, Pod.class);
    }
}
