package dev.tessera.inference;

import java.util.ArrayList;
import java.util.List;

/** How a model's inputs differ from its service's features, said briefly. */
final class InputMismatch {
    static final String HINT = "a model's inputs are its service's features, in the service's order: train it on a training"
            + " set of that service (tessera train), or point service: at the service it was trained on";

    private InputMismatch() {
    }

    /**
     * {@link #HINT}, and for a service that takes whole groups ({@code group.*}) why its models break
     * when a feature is added to one: the service grew, the model did not.
     */
    static String hint(dev.tessera.api.FeatureService service) {
        List<String> whole = service.selectors().stream().filter(s -> s.endsWith(".*")).toList();
        if (whole.isEmpty()) {
            return HINT;
        }
        return "service " + service.name() + " takes every feature of " + String.join(", ", whole) + ", so a feature added to "
                + (whole.size() == 1 ? "that group" : "those groups") + " changes what its models read: list the features"
                + " the model was trained on in the service instead (a model's service should not grow), or retrain the"
                + " model on a training set of the service as it is now; " + HINT;
    }

    static String describe(List<String> model, List<String> service) {
        List<String> extra = new ArrayList<>(model);
        extra.removeAll(service);
        List<String> lacking = new ArrayList<>(service);
        lacking.removeAll(model);
        List<String> parts = new ArrayList<>();
        if (!lacking.isEmpty()) {
            parts.add("it lacks " + quoted(lacking));
        }
        if (!extra.isEmpty()) {
            parts.add("it has " + quoted(extra) + ", which the service does not");
        }
        if (parts.isEmpty()) {
            for (int i = 0; i < model.size(); i++) {
                if (!model.get(i).equals(service.get(i))) {
                    parts.add("same features in another order: input " + (i + 1) + " is '" + model.get(i) + "', the service's"
                            + " feature " + (i + 1) + " is '" + service.get(i) + "'");
                    break;
                }
            }
            if (parts.isEmpty() && model.size() != service.size()) {
                parts.add("it names a feature twice");
            }
        }
        return String.join("; ", parts);
    }

    private static String quoted(List<String> names) {
        List<String> shown = names.subList(0, Math.min(5, names.size())).stream().map(n -> "'" + n + "'").toList();
        return String.join(", ", shown) + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "");
    }
}
