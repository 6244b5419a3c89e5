package io.cgfed.service.support;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.FilterChain;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Log lines name their experiment, round and task: from the request path, and from the services. */
class LogContextTest {
    private static final String EXPERIMENT = "0b9d7c8e-61a4-4a55-9d0c-0f4e7b0d1c2a";
    private static final String TASK = "5f0e2b8a-3c1d-4e6f-8a9b-0c1d2e3f4a5b";

    @AfterEach
    void clear() {
        MDC.clear();
    }

    private static Map<String, String> seenDuring(String path) throws Exception {
        Map<String, String> seen = new HashMap<>();
        FilterChain chain = (req, res) -> {
            Map<String, String> m = MDC.getCopyOfContextMap();
            if (m != null) {
                seen.putAll(m);
            }
        };
        new LogContextFilter().doFilter(new MockHttpServletRequest("PUT", path), new MockHttpServletResponse(), chain);
        return seen;
    }

    @Test
    void requestPathNamesExperimentAndRoundForTheRequestOnly() throws Exception {
        Map<String, String> seen = seenDuring("/api/v1/experiments/" + EXPERIMENT + "/rounds/3");

        assertThat(seen).containsEntry("experiment", EXPERIMENT).containsEntry("round", "3").doesNotContainKey("task");
        assertThat(MDC.getCopyOfContextMap()).as("cleared after the request").isNullOrEmpty();
    }

    @Test
    void taskPathNamesTheTask() throws Exception {
        assertThat(seenDuring("/api/v1/tasks/" + TASK + "/update")).containsEntry("task", TASK)
                .doesNotContainKey("experiment");
        assertThat(seenDuring("/api/v1/workers")).isEmpty();
    }

    @Test
    void nestedContextsRestoreWhatWasThereBefore() {
        try (LogContext outer = LogContext.of(EXPERIMENT, 1)) {
            try (LogContext inner = LogContext.ofTask(EXPERIMENT, 2, TASK)) {
                assertThat(MDC.get("round")).isEqualTo("2");
                assertThat(MDC.get("task")).isEqualTo(TASK);
            }
            assertThat(MDC.get("round")).isEqualTo("1");
            assertThat(MDC.get("task")).isNull();
            assertThat(MDC.get("experiment")).isEqualTo(EXPERIMENT);
        }
        assertThat(MDC.get("experiment")).isNull();
    }
}
