package dev.tessera.cli;

import dev.tessera.api.TesseraException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tessera} command. Subcommands are added as the capabilities land. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0-SNAPSHOT",
        description = "Real-time feature platform for commerce machine learning.",
        subcommands = {DemoCommand.class, RunCommand.class, ServeCommand.class, FlinkCommand.class, StatusCommand.class, DoctorCommand.class, ValidateCommand.class, GenerateCommand.class, TrainingSetCommand.class, TrainCommand.class, EvaluateCommand.class,
            ImportCommand.class, BackfillCommand.class, ConsistencyCommand.class, ArchiveCommand.class, TailCommand.class,
            CommandLine.HelpCommand.class})
public final class TesseraCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with Tessera's error policy: a {@link TesseraException} is a user-facing
     * problem, printed as {@code error: <message>} without a stack trace, exit code 1; a mistyped option or
     * argument is printed with the close names and where the help is, exit code 2.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TesseraCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof TesseraException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        // a mistyped option: the error, the close names, and where the help is (not the whole help, which
        // scrolls the error out of sight)
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            c.getErr().println("error: " + (message.startsWith("Error: ") ? message.substring("Error: ".length()) : message));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, c.getErr())) {
                // picocli suggests only for some typos (none for --prot), and reports a missing required option before a
                // mistyped one (--experimnt for --experiment): the closest option names of what it did not match, then
                List<String> unmatched = e instanceof CommandLine.UnmatchedArgumentException u ? u.getUnmatched()
                        : c.getParseResult() == null ? List.of() : c.getParseResult().unmatched();
                List<String> options = c.getCommandSpec().options().stream().flatMap(o -> java.util.Arrays.stream(o.names())).toList();
                for (String arg : unmatched) {
                    if (arg.startsWith("-")) {
                        List<String> close = dev.tessera.api.ClosestNames.to(arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg,
                                options);
                        if (!close.isEmpty()) {
                            c.getErr().println("did you mean " + String.join(" or ", close) + " (for " + arg + ")?");
                        }
                    }
                }
            }
            c.getErr().println("see: " + c.getCommandSpec().qualifiedName() + " --help");
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        // the demo alone falls back to the repository's examples when ./features does not exist: its help says so
        CommandLine.Model.CommandSpec demo = cli.getSubcommands().get("demo").getCommandSpec();
        CommandLine.Model.OptionSpec features = demo.findOption("--features");
        demo.remove(features);
        demo.addOption(CommandLine.Model.OptionSpec.builder(features).description("Folder of feature definitions (*.yaml)."
                + " Default: features (when that folder exists), else the repository's examples/commerce (other commands then need"
                + " --features examples/commerce).").build());
        return cli;
    }
}
