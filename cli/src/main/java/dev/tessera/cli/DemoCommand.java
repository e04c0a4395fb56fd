package dev.tessera.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera demo}: everything in one process (SPEC §6). Its options are the contract of
 * SPEC §5a already, so scripts written against it keep working when the demo lands.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything in one process: embedded Kafka, generator, runtime, serving, console.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "HTTP port for serving and the console. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "200",
            description = "Synthetic events per second. Default: ${DEFAULT-VALUE}")
    int rate;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("""
                tessera demo is not available yet: it arrives with the serving work (HTTP API, generator, console).
                Meanwhile, validate the example definitions and run the stream runtime on them:
                  tessera validate --features examples/commerce
                  tessera run --features examples/commerce --embedded-kafka""");
        return 0;
    }
}
