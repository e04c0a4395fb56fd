package dev.tessera.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import tools.jackson.databind.JsonNode;

/**
 * One document of a manifest file: its YAML tree as written and the typed Kubernetes object it
 * reads as. Kinds the Kubernetes model does not know (the operator's FlinkDeployment) read as a
 * {@link GenericKubernetesResource}.
 */
record Manifest(String file, int document, JsonNode tree, HasMetadata resource) {
    String kind() {
        return resource.getKind();
    }

    String name() {
        return resource.getMetadata().getName();
    }

    <T extends HasMetadata> T as(Class<T> type) {
        return type.cast(resource);
    }

    @Override
    public String toString() {
        return file + " #" + document + " (" + kind() + " " + name() + ")";
    }
}
