package io.cgfed.coordinator.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class UploadAdmissionTest {
    @Test
    void boundsBinaryUploadsOnly() {
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("PUT", "/api/v1/tasks/t1/update"))).isTrue();
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("PUT", "/api/v1/tasks/t1/collection"))).isTrue();
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("PUT", "/api/v1/tasks/t1/audit"))).isTrue();
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("PUT", "/api/v1/tasks/t1/contribution"))).isTrue();
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("POST", "/api/v1/tasks/t1/evaluation"))).isFalse();
        assertThat(UploadAdmission.isUpload(new MockHttpServletRequest("GET", "/api/v1/workers/w/tasks/next"))).isFalse();
    }

    @Test
    void aBodyTakesItsSizeOfTheBudgetAndAtMostAllOfIt() {
        UploadAdmission a = new UploadAdmission(4, 1024 * 1024); // 1 MiB = 1024 KiB
        assertThat(a.share(1)).isEqualTo(1);
        assertThat(a.share(237 * 1024)).isEqualTo(237);
        assertThat(a.share(237 * 1024 + 1)).isEqualTo(238);
        assertThat(a.share(5L << 30)).isEqualTo(1024);
        assertThat(a.share(-1)).as("unknown length runs alone").isEqualTo(1024);
    }

    @Test
    void neverMoreThanTheCountAtOnce() throws Exception {
        UploadAdmission a = new UploadAdmission(3, 1L << 30);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Thread t = new Thread(() -> {
                MockHttpServletRequest request = new MockHttpServletRequest("PUT", "/api/v1/tasks/t/update");
                request.setContent(new byte[1000]);
                try {
                    a.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        try {
                            release.await(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        inside.decrementAndGet();
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(300);
        assertThat(inside.get()).isEqualTo(3);
        release.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(most.get()).isEqualTo(3);
        assertThat(inside.get()).isZero();
    }

    @Test
    void theByteBudgetHoldsBackWhatDoesNotFit() throws Exception {
        UploadAdmission a = new UploadAdmission(10, 100 * 1024); // room for two bodies of 40 KiB, not three
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                MockHttpServletRequest request = new MockHttpServletRequest("PUT", "/api/v1/tasks/t/update");
                request.setContent(new byte[40 * 1024]);
                try {
                    a.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        try {
                            release.await(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        inside.decrementAndGet();
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(300);
        assertThat(inside.get()).isEqualTo(2);
        release.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(most.get()).isEqualTo(2);
    }
}
