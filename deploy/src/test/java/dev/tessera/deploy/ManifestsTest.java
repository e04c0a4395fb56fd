package dev.tessera.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Every manifest in deploy/k8s reads as typed Kubernetes objects, strictly, and the objects refer to each other correctly. */
class ManifestsTest {
    @Test
    void everyManifestReadsAsTypedKubernetesObjectsWithNoUnknownField() {
        List<Manifest> all = DeployTree.manifests();

        assertThat(all).extracting(Manifest::kind).containsExactlyInAnyOrder(
                "Namespace", "ConfigMap",
                "Service", "StatefulSet", "NetworkPolicy",
                "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                DeployTree.FLINK_DEPLOYMENT, "ServiceAccount", "Role", "RoleBinding");
        assertThat(all).filteredOn(m -> m.resource() instanceof GenericKubernetesResource)
                .extracting(Manifest::kind).containsOnly(DeployTree.FLINK_DEPLOYMENT);
    }

    @Test
    void aMisspeltFieldFailsWithItsPath() {
        String broken = DeployTree.read(DeployTree.k8s().resolve("serving.yaml")).replace("readinessProbe:", "readinessProbes:");

        assertThatThrownBy(() -> DeployTree.reader().read("serving.yaml", broken))
                .isInstanceOf(StrictManifests.ManifestException.class)
                .hasMessageContaining("Deployment tessera-serving: unknown field spec.template.spec.containers[0].readinessProbes");
    }

    @Test
    void aMisspeltKindIsNotTakenForACustomResource() {
        String broken = DeployTree.read(DeployTree.k8s().resolve("serving.yaml")).replace("kind: Deployment", "kind: Deploymnet");

        assertThatThrownBy(() -> DeployTree.reader().read("serving.yaml", broken))
                .isInstanceOf(StrictManifests.ManifestException.class)
                .hasMessageContaining("kind Deploymnet is not a type the Kubernetes model knows");
    }

    @Test
    void aValueOfTheWrongTypeFails() {
        String broken = DeployTree.read(DeployTree.k8s().resolve("serving.yaml")).replace("replicas: 2", "replicas: two");

        assertThatThrownBy(() -> DeployTree.reader().read("serving.yaml", broken))
                .isInstanceOf(StrictManifests.ManifestException.class)
                .hasMessageContaining("serving.yaml #1: does not read as a Kubernetes object");
    }

    @Test
    void theKustomizationListsEveryManifestAndTheNamespace() throws Exception {
        JsonNode kustomization = YAMLMapper.builder().build().readTree(DeployTree.k8s().resolve(DeployTree.KUSTOMIZATION).toFile());
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asString()));

        assertThat(resources).containsExactlyInAnyOrderElementsOf(
                DeployTree.manifestFiles().stream().map(p -> p.getFileName().toString()).toList());
        String namespace = onlyNamespace();
        assertThat(kustomization.path("namespace").asString()).isEqualTo(namespace);
    }

    @Test
    void everyNamespacedObjectSaysItsNamespace() {
        String namespace = onlyNamespace();
        assertThat(DeployTree.manifests()).filteredOn(m -> !m.kind().equals("Namespace"))
                .allSatisfy(m -> assertThat(m.resource().getMetadata().getNamespace()).as(m.toString()).isEqualTo(namespace));
    }

    @Test
    void servicesAndBudgetsSelectTheirPods() {
        Deployment serving = DeployTree.find(Deployment.class, "tessera-serving");
        StatefulSet redis = DeployTree.find(StatefulSet.class, "tessera-redis");
        Map<String, String> servingPods = serving.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> redisPods = redis.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(servingPods).containsAllEntriesOf(serving.getSpec().getSelector().getMatchLabels());
        assertThat(redisPods).containsAllEntriesOf(redis.getSpec().getSelector().getMatchLabels());
        assertThat(servingPods).containsAllEntriesOf(DeployTree.find(Service.class, "tessera-serving").getSpec().getSelector());
        assertThat(redisPods).containsAllEntriesOf(DeployTree.find(Service.class, "tessera-redis").getSpec().getSelector());
        assertThat(redis.getSpec().getServiceName()).isEqualTo("tessera-redis");
        // the two Services must not select each other's pods
        assertThat(redisPods).doesNotContainEntry("app.kubernetes.io/component", "serving");

        PodDisruptionBudget budget = DeployTree.find(PodDisruptionBudget.class, "tessera-serving");
        assertThat(servingPods).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        HorizontalPodAutoscaler hpa = DeployTree.find(HorizontalPodAutoscaler.class, "tessera-serving");
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(serving.getMetadata().getName());
    }

    @Test
    void onlyTesseraPodsMayReachRedis() {
        NetworkPolicy policy = DeployTree.find(NetworkPolicy.class, "tessera-redis");
        Map<String, String> redisPods = DeployTree.find(StatefulSet.class, "tessera-redis").getSpec().getTemplate().getMetadata().getLabels();
        assertThat(redisPods).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());

        LabelSelector clients = policy.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector();
        Map<String, String> servingPods = DeployTree.find(Deployment.class, "tessera-serving").getSpec().getTemplate().getMetadata().getLabels();
        GenericKubernetesResource flink = DeployTree.find(DeployTree.FLINK_DEPLOYMENT, "tessera-flink").as(GenericKubernetesResource.class);
        Map<String, String> flinkPods = flink.get("spec", "podTemplate", "metadata", "labels");
        assertThat(servingPods).containsAllEntriesOf(clients.getMatchLabels());
        assertThat(flinkPods).containsAllEntriesOf(clients.getMatchLabels());
        assertThat(policy.getSpec().getIngress().get(0).getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(6379));
    }

    @Test
    void podsRunAsNonRootWithoutPrivilegesAndWithMemoryLimits() {
        Map<String, PodSpec> pods = Map.of(
                "tessera-serving", DeployTree.find(Deployment.class, "tessera-serving").getSpec().getTemplate().getSpec(),
                "tessera-redis", DeployTree.find(StatefulSet.class, "tessera-redis").getSpec().getTemplate().getSpec());
        pods.forEach((name, pod) -> {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).as(name).isPositive();
            for (Container c : pod.getContainers()) {
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(name).isFalse();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(name).contains("ALL");
                assertThat(c.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(name).containsKey("memory");
                assertThat(c.getReadinessProbe()).as(name).isNotNull();
                assertThat(c.getLivenessProbe()).as(name).isNotNull();
            }
        });
    }

    private static String onlyNamespace() {
        List<String> names = DeployTree.manifests().stream().filter(m -> m.kind().equals("Namespace"))
                .map(m -> m.as(Namespace.class).getMetadata().getName()).collect(Collectors.toList());
        assertThat(names).hasSize(1);
        return names.get(0);
    }
}
