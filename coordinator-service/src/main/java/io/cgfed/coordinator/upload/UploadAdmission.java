package io.cgfed.coordinator.upload;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds the binary uploads a coordinator processes at once ({@code PUT /api/v1/tasks/{id}/update},
 * {@code /collection}, {@code /contribution}, {@code /audit}), by count and by bytes, before anything
 * is read. An upload's body is read into memory whole and then decoded (about five times its size
 * at the peak), and each one runs several short transactions: 500 workers uploading 0.9 MiB each at
 * the same moment ran the heap out (-Xmx512m) and queued hundreds of requests on the 10 pooled
 * database connections until they timed out. An upload over the bound waits here, unread (TCP holds
 * its bytes back), and goes on when one finishes; nothing is refused.
 *
 * <p>{@code cgfed.coordinator.max-concurrent-uploads} (default 16) caps the count;
 * {@code cgfed.coordinator.upload-memory-budget} (bytes, default a tenth of the maximum heap) caps the
 * sum of the declared body sizes in progress. A body larger than the budget (or of unknown length)
 * takes the whole budget, so it runs alone.
 */
@Component
public class UploadAdmission extends OncePerRequestFilter {
    private static final String TASKS = "/api/v1/tasks/";
    private static final int KIB = 1024;
    private final Semaphore slots;
    private final Semaphore budget;
    private final int budgetKib;

    @Autowired
    UploadAdmission(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.maxConcurrentUploads(), properties.uploadMemoryBudget());
    }

    UploadAdmission(int maxConcurrent, long budgetBytes) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("cgfed.coordinator.max-concurrent-uploads must be at least 1");
        }
        long bytes = budgetBytes > 0 ? budgetBytes : Runtime.getRuntime().maxMemory() / 10;
        this.budgetKib = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / KIB));
        this.slots = new Semaphore(maxConcurrent, true);
        this.budget = new Semaphore(budgetKib, true);
    }

    /** Whether a request is one of the binary uploads this bounds. */
    static boolean isUpload(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return "PUT".equals(request.getMethod()) && uri.startsWith(TASKS)
                && (uri.endsWith("/update") || uri.endsWith("/collection") || uri.endsWith("/contribution")
                || uri.endsWith("/audit"));
    }

    /** The budget share of a body: its declared size in KiB, or all of it when unknown or larger. */
    int share(long declaredBytes) {
        if (declaredBytes < 0) {
            return budgetKib;
        }
        return (int) Math.max(1, Math.min(budgetKib, (declaredBytes + KIB - 1) / KIB));
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !isUpload(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int share = share(request.getContentLengthLong());
        slots.acquireUninterruptibly();
        try {
            budget.acquireUninterruptibly(share);
            try {
                chain.doFilter(request, response);
            } finally {
                budget.release(share);
            }
        } finally {
            slots.release();
        }
    }
}
