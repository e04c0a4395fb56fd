package dev.tessera.deploy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

/** The address both the serving nodes and the Flink job must use for the Redis of deploy/k8s/redis.yaml. */
final class RedisService {
    private RedisService() {
    }

    /** redis://&lt;Service name&gt;:&lt;port&gt;: the Service's in-namespace DNS name (the pods run in the same namespace). */
    static String uri() {
        Service service = DeployTree.find(Service.class, "tessera-redis");
        ServicePort port = service.getSpec().getPorts().stream().filter(p -> "redis".equals(p.getName())).findFirst().orElseThrow();
        return "redis://" + service.getMetadata().getName() + ":" + port.getPort();
    }
}
