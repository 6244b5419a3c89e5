package io.cgfed.coordinator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The coordinator's own meters, scraped at {@code /actuator/prometheus} (names there: dots become
 * underscores, counters end in {@code _total}, timers in {@code _seconds}):
 * <ul>
 *   <li>{@code cgfed.rounds.opened|closed|failed|retried}: rounds opened (round 0, the baseline,
 *       included), closed with their evaluation, failed, re-opened below quorum;</li>
 *   <li>{@code cgfed.tasks.reassigned{reason}}: tasks handed to another worker
 *       ({@code worker_timeout}, {@code task_timeout});</li>
 *   <li>{@code cgfed.uploads{kind,outcome,reason}}: what workers sent (kind {@code update},
 *       {@code collection}, {@code contribution}, {@code audit}); outcome {@code accepted},
 *       {@code duplicate} or {@code refused}, with the reason of a refusal ({@code none} otherwise);</li>
 *   <li>{@code cgfed.upload.size} (bytes, accepted updates) and {@code cgfed.upload.latency} (every
 *       upload request, by kind and outcome, with a histogram for quantiles);</li>
 *   <li>{@code cgfed.round.close.latency}: one successful round close, from asking the
 *       codec-service to the committed adapter version;</li>
 *   <li>{@code cgfed.codec.calls.failed{operation}}: calls to the codec-service that failed
 *       (unreachable, timed out, 5xx);</li>
 *   <li>{@code cgfed.codec.versions{origin}}: codec versions taken into use, TGAP (version 1) or FAF.</li>
 * </ul>
 */
@Component
public class CoordinatorMetrics {
    private final MeterRegistry registry;
    private final Counter roundsOpened;
    private final Counter roundsClosed;
    private final Counter roundsFailed;
    private final Counter roundsRetried;
    private final DistributionSummary uploadSize;
    private final Timer roundClose;

    CoordinatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.roundsOpened = Counter.builder("cgfed.rounds.opened").description("rounds opened").register(registry);
        this.roundsClosed = Counter.builder("cgfed.rounds.closed").description("rounds closed with their evaluation")
                .register(registry);
        this.roundsFailed = Counter.builder("cgfed.rounds.failed").description("rounds failed").register(registry);
        this.roundsRetried = Counter.builder("cgfed.rounds.retried").description("rounds re-opened below quorum")
                .register(registry);
        this.uploadSize = DistributionSummary.builder("cgfed.upload.size").baseUnit("bytes")
                .description("wire size of accepted updates").register(registry);
        this.roundClose = Timer.builder("cgfed.round.close.latency").publishPercentileHistogram()
                .description("one successful round close: codec-service aggregation to committed adapter version")
                .register(registry);
    }

    public void roundOpened() {
        roundsOpened.increment();
    }

    public void roundClosed() {
        roundsClosed.increment();
    }

    public void roundFailed() {
        roundsFailed.increment();
    }

    public void roundRetried() {
        roundsRetried.increment();
    }

    public void taskReassigned(String reason) {
        Counter.builder("cgfed.tasks.reassigned").tag("reason", reason).description("tasks handed to another worker")
                .register(registry).increment();
    }

    /** One upload request: what it was, how it ended, and how long it took. */
    public void upload(String kind, String outcome, String reason, Duration took) {
        Counter.builder("cgfed.uploads").tag("kind", kind).tag("outcome", outcome).tag("reason", reason)
                .description("uploads by kind, outcome and refusal reason").register(registry).increment();
        Timer.builder("cgfed.upload.latency").tag("kind", kind).tag("outcome", outcome).publishPercentileHistogram()
                .description("upload request handling time").register(registry).record(took);
    }

    public void updateAccepted(long bytes) {
        uploadSize.record(bytes);
    }

    public void roundClosedIn(Duration took) {
        roundClose.record(took);
    }

    public void codecCallFailed(String operation) {
        Counter.builder("cgfed.codec.calls.failed").tag("operation", operation)
                .description("codec-service calls that failed").register(registry).increment();
    }

    public void codecVersion(String origin) {
        Counter.builder("cgfed.codec.versions").tag("origin", origin).description("codec versions taken into use")
                .register(registry).increment();
    }
}
