package dev.tessera.cli;

import dev.tessera.api.SourceFormat;
import dev.tessera.api.Source;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.LoadResult;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegistryLoadResult;
import java.util.List;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tessera validate}: every problem with file:line:column and a hint, exit 1; or a summary, exit 0. The model
 * registry in {@code models/} of the definitions folder, when there is one, is checked too.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check the feature definitions and report every problem with file, line and a fix hint.",
            "The model registry in the definitions folder's models/, when there is one, is checked against them too."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:definitions (and models) are valid", "1:definitions or models have problems (each is printed)",
                "2:invalid command line"})
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LoadResult result = DefinitionLoader.validate(common.features);
        if (!result.ok()) {
            ProblemReport.print(result.problems(), common.features, spec.commandLine().getErr());
            return 1;
        }
        Definitions defs = result.definitions();
        int features = defs.groups().values().stream().mapToInt(g -> g.features().size()).sum();
        int served = defs.groups().values().stream().mapToInt(g -> g.servedNames().size()).sum();
        PrintWriter out = spec.commandLine().getOut();
        Path models = ModelRegistry.defaultFolder(common.features);
        RegistryLoadResult registry = Files.isDirectory(models) ? ModelRegistry.validate(models, defs) : null;
        if (registry != null && !registry.ok()) {
            out.println("Definitions in " + common.features + " are valid; the model registry in " + models + " is not:");
            out.flush();
            ProblemReport.print(registry.problems(), models, spec.commandLine().getErr());
            return 1;
        }
        out.println("Definitions in " + common.features + " are valid.");
        out.printf("  entities         %d%n", defs.entities().size());
        out.printf("  sources          %d%n", defs.sources().size());
        out.printf("  feature groups   %d%n", defs.groups().size());
        out.printf("  features         %d%n", features);
        out.printf("  served features  %d%n", served);
        out.printf("  services         %d%n", defs.services().size());
        out.printf("  version          %s%n", defs.version());
        if (registry != null) {
            out.printf("  models           %d in %s (%s; version %s)%n", registry.registry().models().size(), models,
                    registry.registry().models().stream().map(m -> m.info().label()).collect(Collectors.joining(", ")),
                    registry.registry().version());
        }
        List<String> undeclared = defs.sources().values().stream()
                .filter(src -> src.format() == SourceFormat.JSON && src.fields().isEmpty() && !defs.groupsOf(src).isEmpty())
                .map(Source::name).sorted().toList();
        if (!undeclared.isEmpty()) {
            out.println("  note: " + (undeclared.size() == 1 ? "source " : "sources ") + String.join(", ", undeclared)
                    + (undeclared.size() == 1 ? " declares" : " declare") + " no fields:, so the fields their groups read (keys,"
                    + " of:, where:) are checked per event when it runs, not here; declare them (fields: {amount: double, ...})"
                    + " and validate checks their names and types");
        }
        return 0;
    }
}
