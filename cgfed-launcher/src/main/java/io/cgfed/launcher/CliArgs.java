package io.cgfed.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The launcher's one command-line parser: every command declares its options (a flag, or an option with a
 * value) with a line of help, and gets them back in the order given, checked: an unknown option, or one without
 * its value, is an error that names it; {@code --help} (or {@code -h}) asks for {@link #usage}. The commands
 * keep only what is theirs: what a value means. Written here, not taken from picocli: the commands' values need
 * their own conversions and messages anyway, and the parsing itself is these few lines.
 */
public final class CliArgs {
    private CliArgs() {
    }

    /** One option: {@code --name VALUE} ({@code value} names the placeholder) or a flag ({@code value} null). */
    public record Option(String name, String value, String help) {
        public boolean isFlag() {
            return value == null;
        }
    }

    public static Option flag(String name, String help) {
        return new Option(name, null, help);
    }

    public static Option value(String name, String placeholder, String help) {
        return new Option(name, placeholder, help);
    }

    /** The options as given, in order (a flag with a null value), or a request for help. */
    public record Parsed(boolean help, List<Map.Entry<String, String>> given) {
        public boolean has(String flag) {
            return given.stream().anyMatch(e -> e.getKey().equals(flag));
        }
    }

    public static Parsed parse(String[] args, List<Option> options) {
        return parse(List.of(args), options);
    }

    public static Parsed parse(List<String> args, List<Option> options) {
        List<Map.Entry<String, String>> given = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (flag.equals("--help") || flag.equals("-h")) {
                return new Parsed(true, List.of());
            }
            Option o = options.stream().filter(x -> x.name().equals(flag)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown option " + flag + " (--help lists the options)"));
            if (o.isFlag()) {
                given.add(new java.util.AbstractMap.SimpleImmutableEntry<>(flag, null));
            } else if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(flag + " needs a value (" + o.value() + ")");
            } else {
                given.add(new java.util.AbstractMap.SimpleImmutableEntry<>(flag, args.get(++i)));
            }
        }
        return new Parsed(false, given);
    }

    /** {@code usage: cgfed COMMAND ...} and one line per option. */
    public static String usage(String synopsis, List<Option> options) {
        StringBuilder b = new StringBuilder("usage: cgfed ").append(synopsis).append('\n');
        int width = options.stream().mapToInt(o -> o.name().length() + (o.isFlag() ? 0 : o.value().length() + 1))
                .max().orElse(0);
        for (Option o : options) {
            String left = o.isFlag() ? o.name() : o.name() + " " + o.value();
            b.append("  ").append(left).append(" ".repeat(width - left.length() + 2)).append(o.help()).append('\n');
        }
        b.append("  --help").append(" ".repeat(Math.max(2, width - 4))).append("this text\n");
        return b.toString();
    }

    /** {@code v} as a positive integer, or an error that names {@code flag} and the value. */
    public static int positive(String flag, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a positive integer, got '" + v + "'");
        }
    }
}
