package io.cgfed.service.support;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * What a log line is about, in the SLF4J MDC: the experiment, the round and the task. Every
 * service's log pattern shows them ({@code logging.pattern.correlation}), and structured logging
 * ({@code logging.structured.format.console}) writes them as fields, so one experiment's or one
 * round's lines can be picked out of any service's log.
 */
public final class LogContext implements AutoCloseable {
    public static final String EXPERIMENT = "experiment";
    public static final String ROUND = "round";
    public static final String TASK = "task";

    private final Map<String, String> previous = new LinkedHashMap<>();

    private LogContext() {
    }

    /** Sets the experiment and round until {@link #close()}, which restores what was there before. */
    public static LogContext of(Object experimentId, Object round) {
        return new LogContext().put(EXPERIMENT, experimentId).put(ROUND, round);
    }

    /** Sets the experiment, round and task until {@link #close()}. */
    public static LogContext ofTask(Object experimentId, Object round, Object taskId) {
        return of(experimentId, round).put(TASK, taskId);
    }

    /** Sets one more key (ignored when {@code value} is null), restored on {@link #close()}. */
    public LogContext put(String key, Object value) {
        if (value == null) {
            return this;
        }
        if (!previous.containsKey(key)) {
            previous.put(key, MDC.get(key));
        }
        MDC.put(key, value.toString());
        return this;
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }
}
