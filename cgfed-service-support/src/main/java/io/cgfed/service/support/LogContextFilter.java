package io.cgfed.service.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts what a request's path names into the log context ({@link LogContext}) for the whole
 * request: {@code /experiments/{id}} the experiment, {@code /rounds/{n}} the round,
 * {@code /tasks/{id}} the task. Services add what only they know (a task's experiment and round)
 * while they handle it. The context is cleared when the request ends, as request threads are pooled.
 */
public class LogContextFilter extends OncePerRequestFilter {
    private static final Pattern EXPERIMENT = Pattern.compile("/experiments/([0-9a-fA-F-]{36})(?:/|$)");
    private static final Pattern ROUND = Pattern.compile("/rounds/(\\d+)(?:/|$)");
    private static final Pattern TASK = Pattern.compile("/tasks/([0-9a-fA-F-]{36})(?:/|$)");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        put(LogContext.EXPERIMENT, EXPERIMENT.matcher(path));
        put(LogContext.ROUND, ROUND.matcher(path));
        put(LogContext.TASK, TASK.matcher(path));
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.clear();
        }
    }

    private static void put(String key, Matcher m) {
        if (m.find()) {
            MDC.put(key, m.group(1));
        }
    }
}
