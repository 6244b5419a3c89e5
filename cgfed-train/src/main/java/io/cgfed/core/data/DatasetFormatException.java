package io.cgfed.core.data;

/**
 * A dataset file that cannot be read as its format says: the message names the file, the line
 * (1-based; 0 when the problem is the whole file) and the reason, as {@code file:line: reason}.
 */
public class DatasetFormatException extends RuntimeException {
    private final String file;
    private final int line;
    private final String reason;

    public DatasetFormatException(String file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public DatasetFormatException(String file, int line, String reason, Throwable cause) {
        this(file, line, reason);
        initCause(cause);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
