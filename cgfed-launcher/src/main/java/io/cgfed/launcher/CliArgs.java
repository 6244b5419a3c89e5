package io.cgfed.launcher;

/** Reading the launcher's command-line values: one message for a bad one, whichever command reads it. */
public final class CliArgs {
    private CliArgs() {
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
