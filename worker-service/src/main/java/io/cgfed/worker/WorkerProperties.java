package io.cgfed.worker;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Worker settings ({@code cgfed.worker.*}).
 *
 * @param name           how this worker appears in the coordinator
 * @param device         the compute device it declares (cpu, or a GPU on GPU hosts)
 * @param coordinatorUrl base URL of the coordinator
 * @param pollWait       how long one task poll may be held open by the coordinator
 * @param evalBatchSize  examples per forward pass when evaluating
 * @param dataDir        this worker's own data (CSV files) for experiments with partition {@code local}
 * @param joinToken      the coordinator's join token, shown once to register (env {@code CGFED_JOIN_TOKEN});
 *                       the worker then uses the credential it got back
 * @param heartbeat      how often a running task tells the coordinator the worker is alive (default 10 s;
 *                       keep it well under the coordinator's {@code worker-timeout}, 60 s by default)
 * @param retryDelay     the first wait before a task's report (update, attachment, evaluation, failure) is
 *                       sent again when the coordinator is unreachable or answers 5xx (default 500 ms; it
 *                       doubles up to 10 s, for as long as the experiment's round deadline)
 * @param memoryBudget   the memory a task may use (a size, e.g. {@code 20GB}; default 80 % of the machine's
 *                       physical memory; on a GPU host, set it to the device's memory): reported at
 *                       registration, and a task whose estimate passes it fails with the reason
 * @param baseDtype      how the frozen base is held: {@code auto} (the default: the checkpoint's dtype, float16
 *                       for BF16 and F16 checkpoints), {@code float32} or {@code float16}
 * @param attack         testing only: {@code none} (the default), {@code sign-flip}, {@code scale:F} or {@code random}
 *                       makes this worker send hostile updates ({@link io.cgfed.worker.task.ByzantineAttack})
 * @param attackAllowed  must be true as well for an attack; a worker with only {@code attack} set stops at start
 */
@Validated
@ConfigurationProperties("cgfed.worker")
public record WorkerProperties(@NotBlank String name, @NotBlank String device, @NotBlank String coordinatorUrl,
                               @NotNull Duration pollWait, @Positive int evalBatchSize, String dataDir,
                               String joinToken, Duration heartbeat, Duration retryDelay,
                               org.springframework.util.unit.DataSize memoryBudget, String baseDtype,
                               String attack, boolean attackAllowed) {
    public static final String AUTO = "auto";
    public static final String FLOAT32 = "float32";
    public static final String FLOAT16 = "float16";

    @org.springframework.boot.context.properties.bind.ConstructorBinding
    public WorkerProperties {
        baseDtype = baseDtype == null || baseDtype.isBlank() ? AUTO : baseDtype.strip().toLowerCase(java.util.Locale.ROOT);
        if (!java.util.List.of(AUTO, FLOAT32, FLOAT16).contains(baseDtype)) {
            throw new IllegalArgumentException("cgfed.worker.base-dtype must be auto, float32 or float16, not '"
                    + baseDtype + "'");
        }
        joinToken = joinToken == null || joinToken.isBlank() ? null : joinToken.strip();
        heartbeat = heartbeat == null ? Duration.ofSeconds(10) : heartbeat;
        retryDelay = retryDelay == null || retryDelay.isNegative() || retryDelay.isZero() ? Duration.ofMillis(500) : retryDelay;
        byzantineAttack(attack, attackAllowed); // an attack without its second switch stops the start here
        if (memoryBudget != null && memoryBudget.toBytes() <= 0) {
            throw new IllegalArgumentException("cgfed.worker.memory-budget must be positive, not " + memoryBudget);
        }
    }

    /** Without an attack (every worker but a test's). */
    public WorkerProperties(String name, String device, String coordinatorUrl, Duration pollWait, int evalBatchSize,
                            String dataDir, String joinToken, Duration heartbeat, Duration retryDelay,
                            org.springframework.util.unit.DataSize memoryBudget, String baseDtype) {
        this(name, device, coordinatorUrl, pollWait, evalBatchSize, dataDir, joinToken, heartbeat, retryDelay,
                memoryBudget, baseDtype, null, false);
    }

    /** Without a memory budget setting (80 % of physical memory). */
    public WorkerProperties(String name, String device, String coordinatorUrl, Duration pollWait, int evalBatchSize,
                            String dataDir, String joinToken, Duration heartbeat, Duration retryDelay) {
        this(name, device, coordinatorUrl, pollWait, evalBatchSize, dataDir, joinToken, heartbeat, retryDelay, null, null,
                null, false);
    }

    /** The attack this worker makes on its updates (testing robust strategies): none unless both settings say so. */
    public io.cgfed.worker.task.ByzantineAttack byzantineAttack() {
        return byzantineAttack(attack, attackAllowed);
    }

    private static io.cgfed.worker.task.ByzantineAttack byzantineAttack(String attack, boolean allowed) {
        return io.cgfed.worker.task.ByzantineAttack.parse(attack, allowed);
    }

    /** The memory budget in bytes: the setting, or 80 % of the machine's physical memory. */
    public long memoryBudgetBytes() {
        if (memoryBudget != null) {
            return memoryBudget.toBytes();
        }
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long physical = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize()
                : Runtime.getRuntime().maxMemory();
        return (long) (0.8 * physical);
    }

    /** Says whether a join token is set, never what it is. */
    @Override
    public String toString() {
        return "WorkerProperties[name=" + name + ", device=" + device + ", coordinatorUrl=" + coordinatorUrl
                + ", pollWait=" + pollWait + ", evalBatchSize=" + evalBatchSize + ", dataDir=" + dataDir
                + ", joinToken=" + (joinToken == null ? "(not set)" : "(set)") + ", heartbeat=" + heartbeat
                + ", retryDelay=" + retryDelay + ", memoryBudget=" + memoryBudget + ", baseDtype=" + baseDtype
                + ", attack=" + byzantineAttack() + "]";
    }
}
