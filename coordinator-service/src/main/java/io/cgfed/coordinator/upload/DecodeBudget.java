package io.cgfed.coordinator.upload;

import io.cgfed.core.tensor.TensorSpec;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Bounds the memory of the updates the coordinator decodes at once (to check their norm). A compressed
 * body is small, its decoded form is not: a 7B layout's 0.5 MB `rotq` upload decodes to 33.5 MB of
 * float32 (and about as much again of the codec's working arrays), so {@link UploadAdmission}'s budget,
 * which counts bodies, let 16 of them decode at once and 50 simulated workers ran a 512 MiB heap out
 * (./cgfed bench-load --model llama-7b, 2026-12-03). Each decode takes 8 bytes per value of the layout
 * from this budget ({@code cgfed.coordinator.decode-memory-budget}, bytes; default a third of the maximum
 * heap) and waits while it is spent; one larger than the budget runs alone.
 */
@Component
public class DecodeBudget {
    private static final int KIB = 1024;
    private final Semaphore budget;
    private final int budgetKib;

    @Autowired
    DecodeBudget(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.decodeMemoryBudget());
    }

    DecodeBudget(long budgetBytes) {
        long bytes = budgetBytes > 0 ? budgetBytes : Runtime.getRuntime().maxMemory() / 3;
        this.budgetKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / KIB));
        this.budget = new Semaphore(budgetKib, true);
    }

    /** The budget share of decoding an update of this layout, in KiB. */
    int share(List<TensorSpec> manifest) {
        long values = 0;
        for (TensorSpec t : manifest) {
            values += t.numel();
        }
        return (int) Math.max(1, Math.min(budgetKib, (8 * values + KIB - 1) / KIB));
    }

    /** Runs a decode (and what reads its result) within the budget. */
    public <T> T decoding(List<TensorSpec> manifest, Supplier<T> work) {
        int share = share(manifest);
        budget.acquireUninterruptibly(share);
        try {
            return work.get();
        } finally {
            budget.release(share);
        }
    }
}
